using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Refunds;

/// <summary>
/// Names, once each, with a critical alert, Settlement's refunds that still wait for the referee's cancel of their
/// contest <see cref="PayoutOptions.RefundGroundsWait"/> (15 minutes by default) after they were ordered: either
/// Payout's lifecycle consumer is far behind, or Settlement ordered refunds of a contest the referee never cancelled.
/// Such a refund is never sent until the cancel is read.
/// </summary>
public sealed class AlertUngroundedRefundsJob(PayoutOptions options) : IJob
{
    /// <summary>Refunds alerted on per transaction.</summary>
    public const int BatchSize = 100;

    public string Name => "alert-ungrounded-refunds";

    public TimeSpan Interval => TimeSpan.FromTicks(Math.Clamp(options.RefundGroundsWait.Ticks / 10,
        TimeSpan.TicksPerMillisecond * 100, TimeSpan.TicksPerMinute));

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct) =>
        await job.InTransactionAsync("alert on refunds waiting for the referee's cancel", async context =>
        {
            var waiting = await RefundStore.UngroundedAlertDueAsync(context,
                context.Clock.GetUtcNow() - options.RefundGroundsWait, BatchSize);
            foreach (var r in waiting)
                context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "refund_awaits_cancel", r.RefundId,
                    $"Settlement ordered refund {r.RefundId} of {r.AmountMinor} {r.Currency} for contest " +
                    $"{r.ContestId} as cancelled, but the referee's cancel of {r.ContestId} has not been read in " +
                    $"{DecisionAge.Describe(options.RefundGroundsWait)}: nothing is refunded until it is. Check " +
                    "Payout's lifecycle consumer lag, and whether the contest was cancelled at all (its timeline in " +
                    "the console)", r.RefundId);
            return waiting.Count;
        }, ct) >= BatchSize;
}
