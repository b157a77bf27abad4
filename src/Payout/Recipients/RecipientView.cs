namespace ContestPipeline.Payout.Recipients;

/// <summary>The winner's connected account as Payout knows it.</summary>
public sealed record RecipientView(string AccountId, bool CanReceive, DateTimeOffset AccountCreatedAt);
