namespace ContestPipeline.PlayerApi.Links;

/// <summary>A request's answer from Payout: <see cref="Outcome"/> is null while it waits.</summary>
public sealed record LinkAnswer(string? Outcome, string? Url, DateTimeOffset? ExpiresAt, string? Reason);
