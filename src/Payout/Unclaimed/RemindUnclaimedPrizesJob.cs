using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Unclaimed;

/// <summary>
/// Applies the unclaimed-prize policy (<see cref="UnclaimedPolicy"/>) to prizes waiting for their winners'
/// accounts: each reminder day due is published once for the winner's notice (<see cref="PrizeUnclaimed"/>), with a
/// warning to the operators on day 7 and a critical alert asking for their decision on day 30. A prize is never given
/// up by itself: it stays owed until its winner onboards or an operator rejects it.
/// </summary>
public sealed class RemindUnclaimedPrizesJob(PayoutOptions options) : IJob
{
    public string Name => "remind-unclaimed-prizes";
    public TimeSpan Interval => TimeSpan.FromMinutes(10);

    public Task<bool> RunAsync(JobContext job, CancellationToken ct) =>
        job.InTransactionAsync("remind winners of unclaimed prizes", async context =>
        {
            var waiting = await UnclaimedStore.WaitingAsync(context, options.BatchSize);
            var now = context.Clock.GetUtcNow();
            foreach (var prize in waiting)
                if (UnclaimedPolicy.Due(prize.OrderedAt, prize.LastSent, now) is { } day
                    && await UnclaimedStore.SentAsync(context, prize.PayoutId, day))
                    Remind(context, prize, day);
            return waiting.Count >= options.BatchSize;
        }, ct);

    private void Remind(TransactionContext context, UnclaimedStore.Waiting prize, int day)
    {
        var cause = Cause.Clock(Name, prize.PayoutId);
        context.Publish(cause, Topics.PayoutsStatus, prize.ContestId, PrizeUnclaimed.MessageIdFor(prize.PayoutId, day),
            new PrizeUnclaimed(prize.PayoutId, prize.PlayerId, prize.ContestId, prize.AmountMinor, prize.Currency, day,
                RecipientOnboardingNeeded.PathFor(prize.PlayerId), context.Clock.GetUtcNow()));
        var amount = Money.Format(prize.AmountMinor, prize.Currency);
        context.Cause = cause;
        if (day == UnclaimedPolicy.WarnOperatorsDay)
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Warning, "prize_unclaimed", prize.PayoutId,
                $"prize {prize.PayoutId} of {amount} to player {prize.PlayerId} ({prize.ContestId}) has waited " +
                $"{day} days for the winner's account; the winner was reminded on days 1, 3 and {day}",
                $"{prize.PayoutId}:{day}");
        else if (day == UnclaimedPolicy.DecisionDay)
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "prize_unclaimed_decision",
                prize.PayoutId,
                $"prize {prize.PayoutId} of {amount} to player {prize.PlayerId} ({prize.ContestId}) is unclaimed " +
                $"after {day} days and reminders: decide. Keep it owed (do nothing: it is paid when the winner " +
                $"onboards), or release it back to the platform: cpctl payouts reject {prize.PayoutId} " +
                "--operator NAME --reason TEXT (the ledger books it withheld)", $"{prize.PayoutId}:{day}");
        context.Cause = null;
    }
}
