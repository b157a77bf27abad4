using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Refunds;

/// <summary>
/// Names, once each, refunds that still wait for their grounds <see cref="PayoutOptions.RefundGroundsWait"/> (15
/// minutes by default) after they should have had them. Settlement's, that long after they were ordered: a critical
/// alert, since either Payout's lifecycle consumer is far behind or Settlement ordered refunds of a contest the
/// referee never cancelled. Ingestion's, that long after their contest locked (when Ingestion closes its entries): a
/// warning, since Ingestion has not said the payment made no entry. Neither is sent until its grounds are read.
/// </summary>
public sealed class AlertUngroundedRefundsJob(PayoutOptions options) : IJob
{
    /// <summary>Refunds alerted on per transaction.</summary>
    public const int BatchSize = 100;

    public string Name => "alert-ungrounded-refunds";

    public TimeSpan Interval => TimeSpan.FromTicks(Math.Clamp(options.RefundGroundsWait.Ticks / 10,
        TimeSpan.TicksPerMillisecond * 100, TimeSpan.TicksPerMinute));

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct) =>
        await job.InTransactionAsync("alert on refunds waiting for their grounds", async context =>
        {
            var waiting = await RefundStore.UngroundedAlertDueAsync(context,
                context.Clock.GetUtcNow() - options.RefundGroundsWait, BatchSize);
            var wait = DecisionAge.Describe(options.RefundGroundsWait);
            foreach (var r in waiting)
            {
                var what = $"refund {r.RefundId} of {r.AmountMinor} {r.Currency} for contest {r.ContestId}";
                if (r.Ingestions)
                    context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Warning, "refund_awaits_entries_closed",
                        r.RefundId, $"Ingestion ordered {what}, and {wait} after the contest locked it has still " +
                        "not said the payment made no entry (its rejection, or the contest's entries closed): " +
                        "nothing is refunded until it does. Check Ingestion and the contest's entries", r.RefundId);
                else
                    context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "refund_awaits_cancel",
                        r.RefundId, $"Settlement ordered {what} as cancelled, but the referee's cancel of " +
                        $"{r.ContestId} has not been read in {wait}: nothing is refunded until it is. Check " +
                        "Payout's lifecycle consumer lag, and whether the contest was cancelled at all (its " +
                        "timeline in the console)", r.RefundId);
            }
            return waiting.Count;
        }, ct) >= BatchSize;
}
