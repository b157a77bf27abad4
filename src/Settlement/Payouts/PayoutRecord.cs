using ContestPipeline.Contracts;
using ContestPipeline.Settlement.Contests;

namespace ContestPipeline.Settlement.Payouts;

/// <summary>
/// A payout as Settlement ordered it, and what Payout has reported of it so far; <see cref="ReceivableMinor"/> is
/// null until a clawback falls short, and <see cref="WrittenOffMinor"/> what operators wrote off of it and has not
/// come back since.
/// </summary>
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
    SettlementState ContestState,
    long? ReceivableMinor,
    long WrittenOffMinor = 0)
{
    /// <summary>What the winner still owes back of a prize taken back (0 when nothing is).</summary>
    public long OwedMinor => ReceivableMinor ?? 0;

    public Money Amount(long minor) => new(minor, Contracts.Currency.Parse(Currency));
}
