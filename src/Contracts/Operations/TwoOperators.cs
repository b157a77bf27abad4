namespace ContestPipeline.Contracts.Operations;

/// <summary>
/// The decisions no one operator takes alone each take this many different operators: a release above the
/// two-person threshold (Payout), the cancel of a contest with paid entries (Ingestion), a make-good (its proposer
/// and its confirmer, sealed for Payout), the write-off of a clawback receivable (Settlement), and the end of a
/// halt Payout made by itself (its resumes). Operators are told apart by the names they sign with.
/// </summary>
public static class TwoOperators
{
    public const int Needed = 2;
}
