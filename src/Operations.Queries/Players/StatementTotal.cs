namespace ContestPipeline.Operations.Queries.Players;

/// <summary>
/// A player's totals in one currency: won (gross), fees withheld, paid (net, less reversals) and still to come.
/// </summary>
public sealed record StatementTotal(string Currency, long WonMinor, long FeesMinor, long PaidMinor, long PendingMinor);
