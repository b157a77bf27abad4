namespace ContestPipeline.Operations.Queries.Players;

/// <summary>
/// What the winner's account held in one currency when read: available to pay out, and still pending.
/// </summary>
public sealed record StatementBalance(string Currency, long AvailableMinor, long PendingMinor);
