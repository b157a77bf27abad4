using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Rules.Prizes;

namespace ContestPipeline.Settlement.Domain;

/// <summary>An accepted entry's fee, as Settlement recorded it from <c>EntryAccepted</c>.</summary>
public sealed record EntryFee(string EntryId, long AmountMinor, string PaymentIntentId);

/// <summary>
/// Everything settling a contest writes, decided before anything is written: the terms (the
/// prizes by <see cref="PrizeCalculator"/>, the settlement entry, the record, what Payout may pay),
/// the journal entries that move the pool into winners' payables and fees, and one payout order
/// per winning entry. Pure: the same contest, entries and standings give the same plan. The
/// chunked settlement (SettleContestsJob) writes the same, from the same terms.
/// </summary>
public sealed record SettlementPlan(SettlementTerms Terms, IReadOnlyList<JournalEntry> Journal, IReadOnlyList<PrizePayoutOrdered> Orders)
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
            journal.Add(PrizeEntry(contestId, award.PayoutId, award.EntryId, award.PlayerId, award.Rank, award.Gross, award.Fee, award.Net));
            orders.Add(Order(contestId, award.PayoutId, award.EntryId, award.PlayerId, award.Rank,
                award.Gross.MinorUnits, award.Fee.MinorUnits, award.Net.MinorUnits, terms.Record.Currency, payments[award.EntryId]));
        }
        return new SettlementPlan(terms, journal, orders);
    }

    /// <summary>Each prize leaves the pool: the winner is owed the net, the platform keeps the fee.</summary>
    public static JournalEntry PrizeEntry(string contestId, string payoutId, string entryId, string playerId, int rank, Money gross, Money fee, Money net) =>
        new($"prize:{payoutId}", contestId, "prize_payable", $"rank {rank} prize for entry {entryId}",
        [
            Posting.Debit(Accounts.PrizePool(contestId), gross),
            Posting.Credit(Accounts.PrizesPayable(playerId), net),
            Posting.Credit(Accounts.FeeRevenue, fee),
        ]);

    /// <summary>The payout order of one prize, with the winning entry's payment so Payout can freeze it if that payment is refunded or disputed.</summary>
    public static PrizePayoutOrdered Order(string contestId, string payoutId, string entryId, string playerId, int rank,
        long grossMinor, long feeMinor, long netMinor, string currency, string paymentIntentId) =>
        new(payoutId, contestId, entryId, playerId, rank, grossMinor, feeMinor, netMinor, currency, paymentIntentId);
}

/// <summary>
/// What settling a contest decides before any prize is posted or ordered: the prizes, the
/// journal entry that moves the fees kept into the pool (and the rake, excess and overlay
/// where they go), and the settlement record. It needs only the entries' count and fee total,
/// never each entry, so a contest of a million entries is decided from its standings alone.
/// <see cref="SettlementPlan.For"/> and the chunked settlement (SettleContestsJob) both start
/// here, so the two give the same prizes, postings, orders and record.
/// </summary>
public sealed record SettlementTerms(PrizeDecision Decision, PoolBreakdown Pool, JournalEntry SettleEntry, IReadOnlyList<PrizeAward> Awards,
    ContestSettled Record)
{
    public string Reason => $"{Awards.Count} prizes ordered from a pool of {Pool.Pool}";

    /// <summary>What Payout may pay for the contest: the prizes with something to transfer and their net total.</summary>
    public ContestPayoutsAuthorized Authorization => new(
        ContestPayoutsAuthorized.SettlementIdFor(Record.ContestId), Record.ContestId,
        Awards.Count(a => a.Net.MinorUnits > 0), Awards.Sum(a => a.Net.MinorUnits), Record.Currency, Record.SettledAt);

    public static SettlementTerms Decide(string contestId, ContestDefined definition, int entryCount, long entryFeesMinor,
        IReadOnlyList<StandingRow> standings, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var rules = PrizeRules.From(definition);
        var fees = new Money(entryFeesMinor, rules.Currency);
        var decision = PrizeCalculator.Calculate(contestId, rules, fees, standings);
        var zero = Money.Zero(rules.Currency);
        var pool = decision.Settlement?.Pool ?? new PoolBreakdown(fees, zero, zero, zero, zero);
        var awards = decision.Settlement?.Awards ?? [];

        // Fees kept leave the contest's entry-fee account: the rake, and a guaranteed pool's
        // excess, to the platform (the breakdown's HouseTake covers both); the rest, plus any
        // overlay the platform covers, into the prize pool.
        var excess = pool.HouseTake - pool.Rake;
        var settle = new JournalEntry($"settle:{contestId}", contestId, "settlement", $"contest {contestId} settled: {decision.Reason}",
        [
            Posting.Debit(Accounts.EntryFees(contestId), pool.EntryFeesKept),
            Posting.Credit(Accounts.RakeRevenue, pool.Rake),
            Posting.Credit(Accounts.HouseTake, excess),
            Posting.Credit(Accounts.PrizePool(contestId), pool.EntryFeesKept - pool.HouseTake),
            Posting.Debit(Accounts.OverlayExpense, pool.Overlay),
            Posting.Credit(Accounts.PrizePool(contestId), pool.Overlay),
        ]);
        long feeTotal = 0, netTotal = 0;
        foreach (var a in awards) (feeTotal, netTotal) = (checked(feeTotal + a.Fee.MinorUnits), checked(netTotal + a.Net.MinorUnits));
        var record = new ContestSettled(contestId, entryCount, rules.Currency.Code, pool.EntryFeesKept.MinorUnits, pool.Rake.MinorUnits,
            pool.Overlay.MinorUnits, excess.MinorUnits, pool.Pool.MinorUnits, feeTotal, netTotal, awards.Count, PrizeCalculator.PublishedRule, now);
        return new SettlementTerms(decision, pool, settle, awards, record);
    }
}
