using ContestPipeline.Contracts;
using ContestPipeline.Settlement.Contests;

namespace ContestPipeline.Settlement.Payouts;

/// <summary>A payout as Settlement ordered it, and what Payout has reported of it so far.</summary>
public sealed record PayoutRecord(
    string PayoutId,
    string ContestId,
    string EntryId,
    string PlayerId,
    long NetMinor,
    string Currency,
    string? TransferId,
    long ReversedMinor,
    bool Rejected,
    SettlementState ContestState)
{
    public Money Amount(long minor) => new(minor, Contracts.Currency.Parse(Currency));
}
