using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Rules.Prizes;
using ContestPipeline.Settlement.Domain;

namespace ContestPipeline.Tests.Settlement;

/// <summary>
/// The tests' settlement of a whole contest in one piece, the reference the chunked settlement
/// (SettleContestsJob) is compared with: everything settling writes, decided before anything is
/// written, from the same <see cref="SettlementHead"/>: the prizes, the journal entries that move
/// the fees kept into the pool and the pool into winners' payables and fees, one payout order per
/// winning entry, what Payout is authorized to pay, and the settlement record. Pure.
/// </summary>
public sealed record SettlementPlan(
    PrizeDecision Decision,
    PoolBreakdown Pool,
    IReadOnlyList<JournalEntry> Journal,
    IReadOnlyList<PrizeAward> Awards,
    IReadOnlyList<PrizePayoutOrdered> Orders,
    ContestSettled Record)
{
    /// <summary>
    /// What Payout may pay for the contest: the orders with something to transfer and their
    /// net total. Published before the orders, in the same transaction.
    /// </summary>
    public ContestPayoutsAuthorized Authorization => new(
        ContestPayoutsAuthorized.SettlementIdFor(Record.ContestId), Record.ContestId,
        Orders.Count(o => o.NetMinor > 0), Orders.Sum(o => o.NetMinor), Record.Currency, Record.SettledAt);

    public static SettlementPlan For(string contestId, ContestDefined definition, IReadOnlyList<EntryFee> entries,
        IReadOnlyList<StandingRow> standings, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var head = SettlementHead.Decide(contestId, definition, entries.Count,
            entries.Aggregate(0L, (sum, e) => checked(sum + e.AmountMinor)), standings, now);
        // The winning entry's payment goes with its order, so Payout can freeze the prize if
        // that payment is refunded or disputed.
        var payments = entries.ToDictionary(e => e.EntryId, e => e.PaymentIntentId, StringComparer.Ordinal);
        var journal = new List<JournalEntry>(head.Awards.Count + 1) { head.SettleEntry };
        var orders = new List<PrizePayoutOrdered>(head.Awards.Count);
        foreach (var award in head.Awards)
        {
            journal.Add(SettlementHead.PrizeEntry(contestId, award.PayoutId, award.EntryId, award.PlayerId, award.Rank,
                award.Gross, award.Fee, award.Net));
            orders.Add(SettlementHead.Order(contestId, award.PayoutId, award.EntryId, award.PlayerId, award.Rank,
                award.Gross.MinorUnits, award.Fee.MinorUnits, award.Net.MinorUnits, head.Record.Currency,
                    payments[award.EntryId]));
        }
        return new SettlementPlan(head.Decision, head.Pool, journal, head.Awards, orders, head.Record);
    }

    public string Reason => $"{Awards.Count} prizes ordered from a pool of {Pool.Pool}";
}
