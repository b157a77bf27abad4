using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Standings;

namespace ContestPipeline.Settlement.Domain;

/// <summary>An accepted entry's fee, as Settlement recorded it from <c>EntryAccepted</c>.</summary>
public sealed record EntryFee(string EntryId, long AmountMinor, string PaymentIntentId);

/// <summary>
/// Everything settling a contest writes, decided before anything is written: the prizes (by
/// <see cref="PrizeCalculator"/>), the journal entries that move the fees kept into the pool
/// and the pool into winners' payables and fees, one payout order per winning entry, what Payout
/// is authorized to pay for them, and the settlement record. Pure: the same contest, entries and standings give the same plan.
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
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(entries);
        var rules = PrizeRules.From(definition);
        var fees = new Money(entries.Aggregate(0L, (sum, e) => checked(sum + e.AmountMinor)), rules.Currency);
        var decision = PrizeCalculator.Calculate(contestId, rules, fees, standings);
        var zero = Money.Zero(rules.Currency);
        var pool = decision.Settlement?.Pool ?? new PoolBreakdown(fees, zero, zero, zero, zero);
        var awards = decision.Settlement?.Awards ?? [];

        // Fees kept leave the contest's entry-fee account: the rake, and a guaranteed pool's
        // excess, to the platform (the breakdown's HouseTake covers both); the rest, plus any
        // overlay the platform covers, into the prize pool.
        var excess = pool.HouseTake - pool.Rake;
        var journal = new List<JournalEntry>(awards.Count + 1)
        {
            new($"settle:{contestId}", contestId, "settlement", $"contest {contestId} settled: {decision.Reason}",
            [
                Posting.Debit(Accounts.EntryFees(contestId), pool.EntryFeesKept),
                Posting.Credit(Accounts.RakeRevenue, pool.Rake),
                Posting.Credit(Accounts.HouseTake, excess),
                Posting.Credit(Accounts.PrizePool(contestId), pool.EntryFeesKept - pool.HouseTake),
                Posting.Debit(Accounts.OverlayExpense, pool.Overlay),
                Posting.Credit(Accounts.PrizePool(contestId), pool.Overlay),
            ]),
        };
        // The winning entry's payment goes with its order, so Payout can freeze the prize if
        // that payment is refunded or disputed.
        var payments = entries.ToDictionary(e => e.EntryId, e => e.PaymentIntentId, StringComparer.Ordinal);
        var orders = new List<PrizePayoutOrdered>(awards.Count);
        foreach (var award in awards)
        {
            // Each prize leaves the pool: the winner is owed the net, the platform keeps the fee.
            journal.Add(new JournalEntry($"prize:{award.PayoutId}", contestId, "prize_payable", $"rank {award.Rank} prize for entry {award.EntryId}",
            [
                Posting.Debit(Accounts.PrizePool(contestId), award.Gross),
                Posting.Credit(Accounts.PrizesPayable(award.PlayerId), award.Net),
                Posting.Credit(Accounts.FeeRevenue, award.Fee),
            ]));
            orders.Add(new PrizePayoutOrdered(award.PayoutId, contestId, award.EntryId, award.PlayerId, award.Rank,
                award.Gross.MinorUnits, award.Fee.MinorUnits, award.Net.MinorUnits, rules.Currency.Code, payments[award.EntryId]));
        }

        var record = new ContestSettled(contestId, entries.Count, rules.Currency.Code, pool.EntryFeesKept.MinorUnits, pool.Rake.MinorUnits,
            pool.Overlay.MinorUnits, excess.MinorUnits, pool.Pool.MinorUnits, awards.Sum(a => a.Fee.MinorUnits), awards.Sum(a => a.Net.MinorUnits),
            awards.Count, PrizeCalculator.PublishedRule, now);
        return new SettlementPlan(decision, pool, journal, awards, orders, record);
    }

    public string Reason => $"{Awards.Count} prizes ordered from a pool of {Pool.Pool}";
}
