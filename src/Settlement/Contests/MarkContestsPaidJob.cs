using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Payouts;

namespace ContestPipeline.Settlement.Contests;

/// <summary>
/// PAID: a SETTLED contest whose every payout is resolved, either paid (its transfer exists
/// and none of it was reversed) or rejected by an operator (its prize withheld); a contest with
/// no prizes at once. A reversal never takes a contest back out of PAID: the lifecycle only
/// goes forward, so one after PAID is recorded in the ledger and alerted.
/// </summary>
public sealed class MarkContestsPaidJob : IJob
{
    public const int ContestsPerRunMax = 50;

    public string Name => "mark-contests-paid";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(200);

    public Task<bool> RunAsync(JobContext job, CancellationToken ct) => job.InTransactionAsync(Name, async context =>
    {
        var due = await ContestStore.ContestsReadyToMarkPaidAsync(context, ContestsPerRunMax);
        foreach (var contestId in due) await MarkPaidAsync(context, contestId);
        return due.Count >= ContestsPerRunMax;
    }, ct);

    private async Task MarkPaidAsync(TransactionContext context, string contestId)
    {
        var contest = await ContestStore.ContestAsync(context, contestId, forUpdate: true)
            ?? throw new InvariantViolatedException($"contest {contestId} was ready to be marked PAID and is gone");
        var payouts = await PayoutStore.PayoutTotalsAsync(context, contestId);
        if (!payouts.AllResolved)
            throw new InvariantViolatedException($"contest {contestId} was ready to be marked PAID with " +
                $"{payouts.Count - payouts.Paid - payouts.Rejected} payouts unresolved");
        var now = context.Clock.GetUtcNow();
        await ContestStore.MoveAsync(context, contestId, SettlementState.Settled, SettlementState.Paid);

        var currency = Currency.Parse(contest.Definition.Currency);
        var cause = Cause.Clock(Name, contestId);
        context.Publish(cause, Topics.ContestLifecycle, contestId, ContestPaid.MessageIdFor(contestId),
            new ContestPaid(contestId, payouts.Count, payouts.Paid, payouts.Rejected, payouts.PaidMinor,
                payouts.WithheldMinor, currency.Code, now));
        var reason = payouts.Count == 0
            ? "no prizes to pay"
            : $"{payouts.Paid} of {payouts.Count} payouts paid ({new Money(payouts.PaidMinor, currency)}), "
              + $"{payouts.Rejected} rejected ({new Money(payouts.WithheldMinor, currency)} withheld)";
        context.Publish(cause, Topics.ContestLifecycle, contestId,
            ContestStateChanged.MessageIdFor(contestId, ContestState.Paid),
            new ContestStateChanged(contestId, ContestLifecycle.Name(ContestState.Settled),
                ContestLifecycle.Name(ContestState.Paid), reason, now));
    }
}
