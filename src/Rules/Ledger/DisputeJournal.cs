namespace ContestPipeline.Rules.Ledger;

/// <summary>
/// How a dispute's journal entries are named, for Settlement, which books them, and the ledger check, which reads them
/// back dispute by dispute: the dispute id is always the second part of the journal id.
/// </summary>
public static class DisputeJournal
{
    public const string WithdrawalKind = "dispute_withdrawal";
    public const string ReinstatementKind = "dispute_reinstatement";
    public const string LostKind = "dispute_lost";

    /// <summary>One of the dispute's balance transactions, booked once.</summary>
    public static string FundsId(string disputeId, string transactionId) =>
        $"dispute-funds:{disputeId}:{transactionId}";

    /// <summary>What the dispute still held when it closed lost, booked once.</summary>
    public static string LostId(string disputeId) => $"dispute-lost:{disputeId}";
}
