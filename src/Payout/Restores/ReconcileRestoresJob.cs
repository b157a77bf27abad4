using System.Diagnostics.Metrics;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Payout.Restores;

/// <summary>
/// Reconciles a restore of Payout's schema with Stripe. The restored rows know nothing of what was sent after the copy
/// was taken, and Stripe forgets idempotency keys after 24 hours, so a payout the copy says was never sent may have
/// been paid. Until every recorded restore is reconciled, the transfer and refund jobs send nothing; this job lists
/// every transfer and refund Stripe created since <see cref="LookBack"/> before the oldest unreconciled copy, records
/// those that name a payout or a refund of this pipeline in their metadata (<see cref="SeenOnStripeStore"/>), and
/// marks the restores reconciled, in one transaction. A send then adopts what Stripe holds instead of sending again.
/// </summary>
public sealed class ReconcileRestoresJob(StripeApi stripe, ILogger<ReconcileRestoresJob> logger) : IJob
{
    /// <summary>
    /// How far before the copy's time Stripe is read: a transfer or refund made just before the copy whose record did
    /// not reach the copy (a call answered after the copy began), with room for clocks that disagree.
    /// </summary>
    public static readonly TimeSpan LookBack = TimeSpan.FromHours(48);

    /// <summary>The restores not reconciled yet, as this process last read them: the gauge's value.</summary>
    private static long _unreconciled;

    private static readonly ObservableGauge<long> UnreconciledGauge = PipelineTelemetry.Meter.CreateObservableGauge(
        "contestpipeline.payout.restores_unreconciled", () => Interlocked.Read(ref _unreconciled),
        description: "Restores of Payout's schema not reconciled with Stripe yet: no transfer or refund is sent");

    public string Name => "reconcile-restores";
    public TimeSpan Interval => TimeSpan.FromSeconds(1);

    /// <summary>How many restores are not reconciled yet, as this process last read them.</summary>
    public static long Unreconciled => Interlocked.Read(ref _unreconciled);

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        _ = UnreconciledGauge;
        var restores = await job.InTransactionAsync("find unreconciled restores", async context =>
        {
            var found = await RestoreStore.UnreconciledAsync(context);
            context.Cause = Cause.Clock(Name, "restores");
            foreach (var r in found)
                context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Warning, "restore_unreconciled", r.Id,
                    $"Payout's schema was restored from a copy taken {r.CopyTakenAt:O} (recorded by {r.Operator}): " +
                    "no transfer or refund is sent until it is reconciled with Stripe; it reconciles by itself",
                    r.Id);
            return found;
        }, ct);
        Interlocked.Exchange(ref _unreconciled, restores.Count);
        if (restores.Count == 0) return false;
        var since = restores.Min(r => r.CopyTakenAt) - LookBack;
        logger.LogWarning("Reconciling {Count} restore(s) with Stripe: reading transfers and refunds created since " +
            "{Since:O}; nothing is sent meanwhile", restores.Count, since);
        var transfers = new List<(TransferSeen, DateTimeOffset)>();
        await foreach (var t in stripe.TransfersCreatedSinceAsync(since, ct))
            if (t.Metadata?.GetValueOrDefault("payout_id") is { Length: > 0 })
                transfers.Add((SendTransfersJob.Seen(t), new DateTimeOffset(t.Created, TimeSpan.Zero)));
        var refunds = new List<RefundSeen>();
        await foreach (var r in stripe.RefundsCreatedSinceAsync(since, ct))
            if (r.Metadata?.GetValueOrDefault("refund_id") is { Length: > 0 } refundId)
                refunds.Add(new RefundSeen
                {
                    StripeRefundId = r.Id, RefundId = refundId, PaymentIntentId = r.PaymentIntentId,
                    AmountMinor = r.Amount, Currency = r.Currency, Status = r.Status,
                    CreatedAt = new DateTimeOffset(r.Created, TimeSpan.Zero),
                });
        var reconciled = await job.InTransactionAsync("record what Stripe holds", async context =>
        {
            var id = restores[^1].Id;
            await SeenOnStripeStore.AddTransfersAsync(context, id, transfers);
            await SeenOnStripeStore.AddRefundsAsync(context, id, refunds);
            var marked = await RestoreStore.MarkReconciledAsync(context, [.. restores.Select(r => r.Id)]);
            context.Cause = Cause.Clock(Name, "restores");
            foreach (var r in restores)
                context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Info, "restore_reconciled", r.Id,
                    $"restore {r.Id} (copy taken {r.CopyTakenAt:O}) reconciled with Stripe: {transfers.Count} " +
                    $"transfer(s) and {refunds.Count} refund(s) of this pipeline since {since:O} recorded; a " +
                    "payout or refund among them is adopted, never sent again; sending resumes", r.Id);
            return marked;
        }, ct);
        logger.LogWarning("Reconciled {Count} restore(s): {Transfers} transfer(s) and {Refunds} refund(s) of this " +
            "pipeline found on Stripe since {Since:O}; sending resumes", reconciled, transfers.Count, refunds.Count,
            since);
        return true;
    }
}
