namespace ContestPipeline.Ingestion.Entries;

/// <summary>
/// What this worker already did with a PaymentIntent: it is an accepted entry (the entry id
/// is derived from the PaymentIntent id), or a rejected submission for which a refund was
/// ordered. A submission rejected without a refund leaves no use: the player may submit the
/// same PaymentIntent again (for instance once a pending payment has succeeded).
/// </summary>
public sealed record PaymentUse(string ContestId, string PlayerId, IReadOnlyList<string>? Lineup, bool Refunded);
