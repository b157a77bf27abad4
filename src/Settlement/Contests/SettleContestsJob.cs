using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Prizes;
using ContestPipeline.Settlement.Entries;
using ContestPipeline.Settlement.Ledger;
using ContestPipeline.Settlement.Payouts;

namespace ContestPipeline.Settlement.Contests;

/// <summary>
/// Settles each COMPLETE contest once its completion, every chunk of its final standings and
/// every entry have arrived (they come on two topics, in any order; the job sees only what is
/// committed, so no two transactions race to be the last). A contest is settled in chunks,
/// each its own transaction with the contest's row locked (another settler skips it, and
/// settles another contest meanwhile). Every chunk decides the prizes from the standings and
/// the entries' count and fee total (<see cref="SettlementTerms"/>: the same facts give the same
/// prizes), and writes, posts and orders its own <see cref="AwardsPerChunk"/> of them, never
/// reading back what an earlier chunk wrote:
/// <list type="number">
/// <item>the first chunk also posts the settlement entry, records the settle run
/// (<see cref="ContestStore.SettleRun"/>) and publishes what Payout is authorized to pay,
/// before any order;</item>
/// <item>each chunk writes its prizes' payout rows, posts their prize entries, publishes their
/// payout orders and moves the run's cursor, in one transaction; a later chunk that decides
/// other totals than the run recorded is a bug (the facts changed under a settlement);</item>
/// <item>the chunk that reaches the last prize checks that the pool and the entry fees are
/// allocated to the cent and moves the contest to SETTLED.</item>
/// </list>
/// A contest of up to <see cref="AwardsPerChunk"/> prizes, every contest but the largest, is
/// settled in one transaction. A worker killed between chunks resumes at the cursor: nothing is
/// posted or ordered twice, nothing skipped. The prizes, postings, orders and record are those of
/// the tests' settlement of the same contest in one piece (SettlementPlan, in the tests). What it
/// publishes is caused by the contest's <c>ContestCompleted</c>.
/// </summary>
public sealed class SettleContestsJob(CrashPoints crash, int awardsPerChunk = SettleContestsJob.AwardsPerChunk) : IJob
{
    /// <summary>
    /// Prizes posted and ordered per transaction: 10,000 orders and 30,000 postings, about a second of work.
    /// </summary>
    public const int AwardsPerChunk = 10_000;

    private (string ContestId, SettlementTerms Terms)? _decided;

    public string Name => "settle-contests";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(200);

    public Task<bool> RunAsync(JobContext job, CancellationToken ct) => job.InTransactionAsync(Name, async context =>
    {
        var due = await ContestStore.ContestsReadyToSettleAsync(context, 1);
        foreach (var contestId in due) await SettleChunkAsync(context, contestId);
        return due.Count > 0;
    }, ct);

    private async Task SettleChunkAsync(TransactionContext context, string contestId)
    {
        var contest = await ContestStore.ContestAsync(context, contestId, forUpdate: true)
            ?? throw new InvariantViolatedException($"contest {contestId} was ready to settle and is gone");
        context.Cause = Cause.Recorded(contestId,
            contest.CompletedBy ?? Cause.Clock("settle-contests", contestId).CausationId);

        var terms = await DecideAsync(context, contestId, contest);
        var run = await ContestStore.SettleRunAsync(context, contestId) ?? await StartAsync(context, terms);
        if (terms.Record with { SettledAt = run.Record.SettledAt } != run.Record || terms.Awards.Count != run.Awards)
            throw new InvariantViolatedException(
                $"contest {contestId}: a settlement in progress at {run.Posted} of {run.Awards} prizes " +
                "decides other totals now");
        var chunk = terms.Awards.Skip(run.Posted).Take(awardsPerChunk).ToList();
        await PostAndOrderAsync(context, contestId, run.Posted, chunk, terms.Record.Currency);
        await ContestStore.AdvanceSettleRunAsync(context, contestId, run.Posted, run.Posted + chunk.Count);
        crash.Reach(CrashPoints.SettlementMidChunk);
        if (run.Posted + chunk.Count < run.Awards) return;
        await FinishAsync(context, run);
        context.OnCommitted(() => _decided = null);
    }

    /// <summary>
    /// The contest's terms, decided from its standings and its entries' count and fee total.
    /// A contest of many chunks is decided once per process, not once per chunk: reading a
    /// million standings back for each of twenty chunks was most of its settlement's time, and
    /// re-counting its million entries a fifth of each later chunk. What the terms are decided
    /// from cannot change once the contest is COMPLETE: its standings chunks are insert-only, and
    /// an entry is booked only under the contest's row lock, which every chunk takes too, and only
    /// while the contest is OPEN (EntryAcceptedHandler). Were a fee booked all the same, the last
    /// chunk's open-accounts check refuses to settle. A restarted worker decides again, and the
    /// run's record is checked against that decision, as every chunk's was.
    /// </summary>
    private async Task<SettlementTerms> DecideAsync(TransactionContext context, string contestId,
        ContestRow contest)
    {
        if (_decided is { } kept && kept.ContestId == contestId) return kept.Terms;
        var (entryCount, feesMinor) = await EntryStore.EntryTotalsAsync(context, contestId);
        var standings = await ContestStore.FinalStandingsStreamedAsync(
            context, contestId, contest.Completed?.EntryCount ?? 0);
        var terms = SettlementTerms.Decide(
            contestId, contest.Definition, entryCount, feesMinor, standings, context.Clock.GetUtcNow());
        _decided = (contestId, terms);
        return terms;
    }

    /// <summary>The first chunk's own work: the settlement entry, the run and the authorization.</summary>
    private static async Task<ContestStore.SettleRun> StartAsync(TransactionContext context, SettlementTerms terms)
    {
        var contestId = terms.Record.ContestId;
        await JournalStore.PostAsync(context, terms.SettleEntry);
        await ContestStore.StartSettleRunAsync(context, contestId, terms.Awards.Count, terms.Record, terms.Reason);
        // The authorization goes first, on the orders' topic and key: Payout never sees an order before it.
        var authorization = terms.Authorization;
        context.Publish(Topics.PayoutsDue, contestId,
            ContestPayoutsAuthorized.MessageIdFor(authorization.AuthorizationId), authorization);
        return new ContestStore.SettleRun(contestId, terms.Awards.Count, 0, terms.Record, terms.Reason);
    }

    /// <summary>
    /// One chunk of prizes, from award position <paramref name="from"/>: payout rows, prize entries and orders.
    /// </summary>
    private static async Task PostAndOrderAsync(TransactionContext context, string contestId, int from,
        IReadOnlyList<PrizeAward> awards, string currency)
    {
        await PayoutStore.InsertPayoutsAsync(context, contestId, from, awards, currency);
        var payments = await EntryStore.PaymentsOfEntriesAsync(context, awards.Select(a => a.EntryId));
        var journal = new List<JournalEntry>(awards.Count);
        foreach (var a in awards)
        {
            journal.Add(SettlementTerms.PrizeEntry(contestId, a.PayoutId, a.EntryId, a.PlayerId,
                a.Rank, a.Gross, a.Fee, a.Net));
            var payment = payments.GetValueOrDefault(a.EntryId)
                ?? throw new InvariantViolatedException($"contest {contestId}: winning entry {a.EntryId} has no " +
                    "accepted entry recorded");
            // New by the payout row just written under its id (payouts_pkey): written by COPY, never looked up.
            context.PublishNew(Topics.PayoutsDue, contestId, a.PayoutId,
                SettlementTerms.Order(contestId, a.PayoutId, a.EntryId, a.PlayerId,
                a.Rank, a.Gross.MinorUnits, a.Fee.MinorUnits, a.Net.MinorUnits, currency, payment));
        }
        await JournalStore.AppendNewAsync(context, journal);
    }

    /// <summary>The last chunk: the pool paid out to the cent and the fees fully allocated, then SETTLED.</summary>
    private static async Task FinishAsync(TransactionContext context, ContestStore.SettleRun run)
    {
        var contestId = run.ContestId;
        var open = await JournalStore.OpenContestAccountsAsync(context, contestId);
        if (open.Count > 0)
            throw new InvariantViolatedException($"contest {contestId} settled with open accounts: " +
                $"{string.Join(", ", open.Select(o => $"{o.Account} {o.Balance}"))}");

        await ContestStore.MoveAsync(context, contestId, SettlementState.Complete, SettlementState.Settled);
        context.Publish(Topics.ContestLifecycle, contestId, ContestSettled.MessageIdFor(contestId), run.Record);
        context.Publish(Topics.ContestLifecycle, contestId,
            ContestStateChanged.MessageIdFor(contestId, ContestState.Settled),
            new ContestStateChanged(contestId, ContestLifecycle.Name(ContestState.Complete),
                ContestLifecycle.Name(ContestState.Settled), run.Reason, run.Record.SettledAt));
    }
}
