namespace ContestPipeline.Operations.Queries.Players;

/// <summary>One prize (or make-good) of a player and where its payout stands, for the app.</summary>
public sealed record StatementPrize(string PayoutId, string ContestId, string Kind, int Rank, long GrossMinor,
    long FeeMinor, long NetMinor, string Currency,
    string Status, DateTimeOffset OrderedAt, DateTimeOffset? PaidAt);
