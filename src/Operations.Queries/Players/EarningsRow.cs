namespace ContestPipeline.Operations.Queries.Players;

/// <summary>A player's earnings in one contest: won, fees withheld, paid and still to come.</summary>
public sealed record EarningsRow(string PlayerId, string ContestId, string Currency, long WonMinor, long FeesMinor,
    long PaidMinor, long PendingMinor, int? Year);
