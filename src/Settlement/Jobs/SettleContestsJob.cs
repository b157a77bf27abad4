using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Domain;
using ContestPipeline.Settlement.Store;

namespace ContestPipeline.Settlement.Jobs;

/// <summary>
/// Settles each COMPLETE contest once its completion, every chunk of its final standings and
/// every entry have arrived (they come on two topics, in any order; the job sees only what is
/// committed, so no two transactions race to be the last). A contest is settled in chunks,
/// each its own transaction with the contest's row locked (another settler skips it, and
/// settles another contest meanwhile):
/// <list type="number">
/// <item>the start decides the prizes (<see cref="SettlementHead"/>, from the standings and the
/// entries' count and fee total), posts the settlement entry, writes every payout row in award
/// order, records the settle run (<see cref="SettlementStore.SettleRun"/>) and publishes what
/// Payout is authorized to pay, before any order;</item>
/// <item>each next chunk posts the prize entries and publishes the payout orders of the next
/// <see cref="AwardsPerChunk"/> prizes, and moves the run's cursor in the same transaction;</item>
/// <item>the chunk that reaches the last prize checks that the pool and the entry fees are
/// allocated to the cent and moves the contest to SETTLED.</item>
/// </list>
/// A worker killed between chunks resumes at the cursor: nothing is posted or ordered twice,
/// nothing skipped. The prizes, postings, orders and record are those of
/// <see cref="SettlementPlan.For"/>, which settles the same contest in one piece. What it
/// publishes is caused by the contest's <c>ContestCompleted</c>.
/// </summary>
public sealed class SettleContestsJob(CrashPoints crash, int awardsPerChunk = SettleContestsJob.AwardsPerChunk) : IJob
{
    /// <summary>Prizes posted and ordered per transaction: 10,000 orders and 30,000 postings, about a second of work.</summary>
    public const int AwardsPerChunk = 10_000;

    public string Name => "settle-contests";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(200);

    public Task<bool> RunAsync(JobContext job, CancellationToken ct) => job.InTransactionAsync(Name, async context =>
    {
        var due = await SettlementStore.ContestsReadyToSettleAsync(context, 1);
        foreach (var contestId in due) await SettleChunkAsync(context, contestId);
        return due.Count > 0;
    }, ct);

    private async Task SettleChunkAsync(HandlerContext context, string contestId)
    {
        var contest = await SettlementStore.ContestAsync(context, contestId, forUpdate: true)
            ?? throw new InvariantViolatedException($"contest {contestId} was ready to settle and is gone");
        context.Cause = Cause.Recorded(contestId, contest.CompletedBy ?? Cause.Clock("settle-contests", contestId).CausationId);

        var run = await SettlementStore.SettleRunAsync(context, contestId);
        if (run is null)
        {
            run = await StartAsync(context, contest);
            if (run.Awards > 0) return;   // the prizes are posted and ordered by the next runs, one chunk each
        }
        else
        {
            var rows = await SettlementStore.AwardsAsync(context, contestId, run.Posted, awardsPerChunk);
            var expected = Math.Min(awardsPerChunk, run.Awards - run.Posted);
            if (rows.Count != expected || (rows.Count > 0 && rows[0].AwardSeq != run.Posted))
                throw new InvariantViolatedException($"contest {contestId}: settle run at {run.Posted} of {run.Awards} found {rows.Count} payouts where {expected} follow");
            var journal = new List<JournalEntry>(rows.Count);
            foreach (var row in rows)
            {
                var currency = Currency.Parse(row.Currency);
                journal.Add(SettlementPlan.PrizeEntry(contestId, row.PayoutId, row.EntryId, row.PlayerId, row.Rank,
                    new Money(row.GrossMinor, currency), new Money(row.FeeMinor, currency), new Money(row.NetMinor, currency)));
                var payment = row.PaymentIntentId
                    ?? throw new InvariantViolatedException($"contest {contestId}: winning entry {row.EntryId} has no accepted entry recorded");
                context.Publish(Topics.PayoutsDue, contestId, row.PayoutId, SettlementPlan.Order(contestId, row.PayoutId, row.EntryId, row.PlayerId,
                    row.Rank, row.GrossMinor, row.FeeMinor, row.NetMinor, row.Currency, payment));
            }
            await Journal.AppendNewAsync(context, journal);
            await SettlementStore.AdvanceSettleRunAsync(context, contestId, run.Posted, run.Posted + rows.Count);
            run = run with { Posted = run.Posted + rows.Count };
            crash.Reach(CrashPoints.SettlementMidChunk);
            if (run.Posted < run.Awards) return;
        }
        await FinishAsync(context, run);
    }

    /// <summary>The first chunk: the decision, the settlement entry, every payout row, the run and the authorization.</summary>
    private static async Task<SettlementStore.SettleRun> StartAsync(HandlerContext context, ContestRow contest)
    {
        var contestId = contest.ContestId;
        var (entryCount, feesMinor) = await SettlementStore.EntryTotalsAsync(context, contestId);
        var standings = await SettlementStore.FinalStandingsStreamedAsync(context, contestId, contest.Completed?.EntryCount ?? 0);
        var head = SettlementHead.Decide(contestId, contest.Definition, entryCount, feesMinor, standings, context.Clock.GetUtcNow());
        standings = null;   // the rows are not needed past the decision

        await Journal.PostAsync(context, head.SettleEntry);
        await SettlementStore.InsertPayoutsAsync(context, contestId, head.Awards, head.Record.Currency);
        await SettlementStore.StartSettleRunAsync(context, contestId, head.Awards.Count, head.Record, head.Reason);
        // The authorization goes first, on the orders' topic and key: Payout never sees an order before it.
        var authorization = head.Authorization;
        context.Publish(Topics.PayoutsDue, contestId, ContestPayoutsAuthorized.MessageIdFor(authorization.AuthorizationId), authorization);
        return new SettlementStore.SettleRun(contestId, head.Awards.Count, 0, head.Record, head.Reason);
    }

    /// <summary>The last chunk: the pool paid out to the cent and the fees fully allocated, then SETTLED.</summary>
    private static async Task FinishAsync(HandlerContext context, SettlementStore.SettleRun run)
    {
        var contestId = run.ContestId;
        var open = await SettlementStore.OpenContestAccountsAsync(context, contestId);
        if (open.Count > 0)
            throw new InvariantViolatedException($"contest {contestId} settled with open accounts: {string.Join(", ", open.Select(o => $"{o.Account} {o.Balance}"))}");

        await SettlementStore.MoveAsync(context, contestId, ContestStatus.Complete, ContestStatus.Settled);
        context.Publish(Topics.ContestLifecycle, contestId, ContestSettled.MessageIdFor(contestId), run.Record);
        context.Publish(Topics.ContestLifecycle, contestId, ContestStateChanged.MessageIdFor(contestId, ContestState.Settled),
            new ContestStateChanged(contestId, ContestLifecycle.Name(ContestState.Complete), ContestLifecycle.Name(ContestState.Settled), run.Reason, run.Record.SettledAt));
    }
}
