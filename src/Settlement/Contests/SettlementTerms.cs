using ContestPipeline.Rules.Ledger;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Rules.Prizes;
using ContestPipeline.Settlement.Ledger;

namespace ContestPipeline.Settlement.Contests;

/// <summary>
/// What settling a contest decides before any prize is posted or ordered: the prizes, the
/// journal entry that moves the fees kept into the pool (and the rake, excess and overlay
/// where they go), and the settlement record. It needs only the entries' count and fee total,
/// never each entry, so a contest of a million entries is decided from its standings alone.
/// The chunked settlement (SettleContestsJob) starts here, and so does the tests' settlement of
/// a whole contest in one piece, so the two are compared to the cent.
/// </summary>
public sealed record SettlementTerms(PrizeDecision Decision, PoolBreakdown Pool, JournalEntry SettleEntry,
    IReadOnlyList<PrizeAward> Awards, ContestSettled Record, ContestDefined? Guarantee = null)
{
    public string Reason => $"{Awards.Count} prizes ordered from a pool of {Pool.Pool}";

    /// <summary>
    /// What Payout may pay for the contest: the prizes with something to transfer and their net total, and for a
    /// guaranteed pool the definition as the operators sealed it, the evidence Payout pays an overlay on.
    /// </summary>
    public ContestPayoutsAuthorized Authorization => new(
        ContestPayoutsAuthorized.SettlementIdFor(Record.ContestId), Record.ContestId,
        Awards.Count(a => a.Net.MinorUnits > 0), Awards.Sum(a => a.Net.MinorUnits), Record.Currency, Record.SettledAt,
        Guarantee);

    /// <summary>Each prize leaves the pool: the winner is owed the net, the platform keeps the fee.</summary>
    public static JournalEntry PrizeEntry(string contestId, string payoutId, string entryId, string playerId, int rank,
        Money gross, Money fee, Money net) =>
        new($"prize:{payoutId}", contestId, "prize_payable", $"rank {rank} prize for entry {entryId}",
        [
            Posting.Debit(Accounts.PrizePool(contestId), gross),
            Posting.Credit(Accounts.PrizesPayable(playerId), net),
            Posting.Credit(Accounts.FeeRevenue, fee),
        ]);

    /// <summary>
    /// The payout order of one prize, with the winning entry's payment so Payout can freeze it if that payment is
    /// refunded or disputed.
    /// </summary>
    public static PrizePayoutOrdered Order(string contestId, string payoutId, string entryId, string playerId, int rank,
        long grossMinor, long feeMinor, long netMinor, string currency, string paymentIntentId) =>
        new(payoutId, contestId, entryId, playerId, rank, grossMinor, feeMinor, netMinor, currency, paymentIntentId);

    public static SettlementTerms Decide(string contestId, ContestDefined definition,
        int entryCount, long entryFeesMinor, IReadOnlyList<StandingRow> standings, DateTimeOffset now)
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
        // overlay, into the prize pool. The overlay is the platform's expense, or the sponsor's the pool names.
        var excess = pool.HouseTake - pool.Rake;
        var overlayFrom = definition.Pool.Sponsor is { } sponsor
            ? Accounts.SponsorFunding(sponsor)
            : Accounts.OverlayExpense;
        var settle = new JournalEntry($"settle:{contestId}", contestId, "settlement", $"contest {contestId} " +
            $"settled: {decision.Reason}",
        [
            Posting.Debit(Accounts.EntryFees(contestId), pool.EntryFeesKept),
            Posting.Credit(Accounts.RakeRevenue, pool.Rake),
            Posting.Credit(Accounts.HouseTake, excess),
            Posting.Credit(Accounts.PrizePool(contestId), pool.EntryFeesKept - pool.HouseTake),
            Posting.Debit(overlayFrom, pool.Overlay),
            Posting.Credit(Accounts.PrizePool(contestId), pool.Overlay),
        ]);
        long feeTotal = 0, netTotal = 0;
        foreach (var a in awards) (feeTotal, netTotal) = (checked(feeTotal + a.Fee.MinorUnits),
            checked(netTotal + a.Net.MinorUnits));
        var record = new ContestSettled(contestId, entryCount, rules.Currency.Code,
            pool.EntryFeesKept.MinorUnits, pool.Rake.MinorUnits,
            pool.Overlay.MinorUnits, excess.MinorUnits, pool.Pool.MinorUnits, feeTotal, netTotal, awards.Count,
            PrizeCalculator.PublishedRule, now);
        return new SettlementTerms(decision, pool, settle, awards, record,
            definition.Pool.Mode == PoolModes.Guaranteed ? definition : null);
    }
}
