using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Rules.Ledger;
using ContestPipeline.Settlement.Contests;
using ContestPipeline.Settlement.Entries;
using ContestPipeline.Settlement.Ledger;

namespace ContestPipeline.Tests.Settlement;

/// <summary>
/// The tests' settlement of a whole contest in one piece, the reference the chunked settlement
/// (SettleContestsJob) is compared with: everything settling writes, decided before anything is
/// written, from the same <see cref="SettlementTerms"/> (the prizes, the settlement entry, the
/// record, what Payout may pay), the journal entries that move the pool into winners' payables
/// and fees, and one payout order per winning entry. Pure.
/// </summary>
public sealed record SettlementPlan(SettlementTerms Terms, IReadOnlyList<JournalEntry> Journal,
    IReadOnlyList<PrizePayoutOrdered> Orders)
{
    public static SettlementPlan For(string contestId, ContestDefined definition, IReadOnlyList<EntryFee> entries,
        IReadOnlyList<StandingRow> standings, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var terms = SettlementTerms.Decide(contestId, definition, entries.Count,
            entries.Aggregate(0L, (sum, e) => checked(sum + e.AmountMinor)), standings, now);
        // The winning entry's payment goes with its order, so Payout can freeze the prize if
        // that payment is refunded or disputed.
        var payments = entries.ToDictionary(e => e.EntryId, e => e.PaymentIntentId, StringComparer.Ordinal);
        var journal = new List<JournalEntry>(terms.Awards.Count + 1) { terms.SettleEntry };
        var orders = new List<PrizePayoutOrdered>(terms.Awards.Count);
        foreach (var award in terms.Awards)
        {
            journal.Add(SettlementTerms.PrizeEntry(contestId, award.PayoutId, award.EntryId, award.PlayerId,
                award.Rank, award.Gross, award.Fee, award.Net));
            orders.Add(SettlementTerms.Order(contestId, award.PayoutId, award.EntryId, award.PlayerId, award.Rank,
                award.Gross.MinorUnits, award.Fee.MinorUnits, award.Net.MinorUnits, terms.Record.Currency,
                payments[award.EntryId]));
        }
        return new SettlementPlan(terms, journal, orders);
    }
}
