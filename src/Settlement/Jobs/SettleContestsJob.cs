using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Domain;
using ContestPipeline.Settlement.Store;

namespace ContestPipeline.Settlement.Jobs;

/// <summary>
/// Settles each COMPLETE contest once its completion, every chunk of its final standings and
/// every entry have arrived (they come on two topics, in any order; the job sees only what is
/// committed, so no two transactions race to be the last): the prizes, the ledger entries and
/// one payout order per winning entry (<see cref="SettlementPlan"/>), then SETTLED. What it
/// publishes is caused by the contest's <c>ContestCompleted</c>.
/// </summary>
public sealed class SettleContestsJob : IJob
{
    /// <summary>One contest per transaction: a large contest's settlement is its own transaction.</summary>
    public const int ContestsPerRunMax = 1;

    public string Name => "settle-contests";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(200);

    public Task<bool> RunAsync(JobContext job, CancellationToken ct) => job.InTransactionAsync(Name, async context =>
    {
        var due = await SettlementStore.ContestsReadyToSettleAsync(context, ContestsPerRunMax);
        foreach (var contestId in due) await SettleAsync(context, contestId);
        return due.Count > 0;
    }, ct);

    private static async Task SettleAsync(HandlerContext context, string contestId)
    {
        var contest = await SettlementStore.ContestAsync(context, contestId, forUpdate: true)
            ?? throw new InvariantViolatedException($"contest {contestId} was ready to settle and is gone");
        var now = context.Clock.GetUtcNow();
        var plan = SettlementPlan.For(contestId, contest.Definition, await SettlementStore.EntryFeesAsync(context, contestId),
            await SettlementStore.FinalStandingsAsync(context, contestId), now);
        context.Cause = Cause.Recorded(contestId, contest.CompletedBy ?? Cause.Clock("settle-contests", contestId).CausationId);

        foreach (var entry in plan.Journal) await Journal.PostAsync(context, entry);
        await SettlementStore.InsertPayoutsAsync(context, contestId, plan.Awards, plan.Record.Currency);
        // The authorization goes first, on the orders' topic and key: Payout never sees an order before it.
        var authorization = plan.Authorization;
        context.Publish(Topics.PayoutsDue, contestId, ContestPayoutsAuthorized.MessageIdFor(authorization.AuthorizationId), authorization);
        foreach (var order in plan.Orders) context.Publish(Topics.PayoutsDue, contestId, order.PayoutId, order);

        // Invariant: the pool is paid out to the cent and the entry fees are fully allocated.
        var open = await SettlementStore.OpenContestAccountsAsync(context, contestId);
        if (open.Count > 0)
            throw new InvariantViolatedException($"contest {contestId} settled with open accounts: {string.Join(", ", open.Select(o => $"{o.Account} {o.Balance}"))}");

        await SettlementStore.MoveAsync(context, contestId, ContestStatus.Complete, ContestStatus.Settled);
        context.Publish(Topics.ContestLifecycle, contestId, ContestSettled.MessageIdFor(contestId), plan.Record);
        context.Publish(Topics.ContestLifecycle, contestId, ContestStateChanged.MessageIdFor(contestId, ContestState.Settled),
            new ContestStateChanged(contestId, ContestLifecycle.Name(ContestState.Complete), ContestLifecycle.Name(ContestState.Settled), plan.Reason, now));
    }
}
