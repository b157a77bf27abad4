using ContestPipeline.Contracts.Payouts;

namespace ContestPipeline.Ingestion.Entries;

/// <summary>
/// The outcome, a reason naming what and where, and the refund to order when the payment
/// was verified as this player's money for this contest but no entry was made of it.
/// </summary>
public sealed record EntryDecision(EntryOutcome Outcome, string Reason, RefundOrdered? Refund)
{
    public bool Accepted => Outcome == EntryOutcome.Ok;
}
