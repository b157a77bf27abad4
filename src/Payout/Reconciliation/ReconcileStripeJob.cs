using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Payout.Disputes;
using ContestPipeline.Payout.Funds;
using ContestPipeline.Payout.StripeEvents;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Payout.Reconciliation;

/// <summary>
/// Lists the transfers, the refunds and the disputes Stripe created since the last pass (100 a page, within the Stripe
/// budget like every other call). A dispute no event told Payout of is read and booked as its event would have had it.
/// A refund this pipeline did not make (its metadata names no refund Payout recorded as Stripe holds it) is money
/// returned outside the pipeline: a critical stripe_refund_unexplained alert names it once, and when no
/// charge.refunded event about it came, it is booked as that event would have been (the payment read again, its
/// prizes frozen). Each
/// transfer is matched against the payout it names: a transfer with no payout id, naming a payout Payout has no
/// record of, or whose amount, currency or destination differs from Payout's record is money that left outside the
/// pipeline, raised once as a critical stripe_transfer_unexplained alert naming it. The cursor is the newest
/// creation time listed less <see cref="Overlap"/>, so a transfer created at the boundary is listed again, never
/// missed; the first pass reads <see cref="FirstLookBack"/>. Runs every PayoutOptions.ReconcileInterval.
/// </summary>
public sealed class ReconcileStripeJob(StripeApi stripe, PayoutOptions options, ILogger<ReconcileStripeJob> logger)
    : IJob
{
    public const string Transfers = "transfers";
    public const string UnexplainedTransfer = "stripe_transfer_unexplained";
    public const string Disputes = "disputes";
    public const string MissedDispute = "stripe_dispute_event_missing";
    public const string Refunds = "refunds";
    public const string UnexplainedRefund = "stripe_refund_unexplained";

    /// <summary>How far back a pass lists beyond the newest record the last pass saw (clocks, late commits).</summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromMinutes(10);

    /// <summary>How far back the first pass lists.</summary>
    public static readonly TimeSpan FirstLookBack = TimeSpan.FromHours(48);

    public string Name => "reconcile-stripe";
    public TimeSpan Interval => options.ReconcileInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        await TransfersAsync(job, ct);
        await RefundsAsync(job, ct);
        await DisputesAsync(job, ct);
        return false;
    }

    /// <summary>
    /// One pass over a resource's listed records, in one transaction: each judged record is matched (true when it
    /// raised something), and the cursor moves to the newest judged less <see cref="Overlap"/>. With a
    /// <paramref name="grace"/>, a record younger than it is left for the next pass (its own event or record may
    /// still be on its way). The number raised.
    /// </summary>
    private Task<int> PassAsync<T>(JobContext job, string resource, string what,
        IReadOnlyList<(T Record, DateTimeOffset CreatedAt)> listed, TimeSpan? grace,
        Func<TransactionContext, T, Task<bool>> match, CancellationToken ct) =>
        job.InTransactionAsync(what, async context =>
        {
            context.Cause = Cause.Clock(Name, resource);
            var settled = context.Clock.GetUtcNow() - (grace ?? TimeSpan.Zero);
            var judged = grace is null ? listed : [.. listed.Where(l => l.CreatedAt <= settled)];
            var count = 0;
            foreach (var (record, _) in judged)
                if (await match(context, record))
                    count++;
            if (judged.Count > 0)
                await ReconciliationStore.AdvanceAsync(context, resource, judged.Max(l => l.CreatedAt) - Overlap);
            return count;
        }, ct);

    /// <summary>Where the pass over <paramref name="resource"/> starts.</summary>
    private static Task<DateTimeOffset> SinceAsync(JobContext job, string resource, CancellationToken ct) =>
        job.InTransactionAsync($"read the {resource} cursor", async context =>
            await ReconciliationStore.ListedSinceAsync(context, resource)
                ?? context.Clock.GetUtcNow() - FirstLookBack, ct);

    /// <summary>
    /// Disputes on Stripe that Payout never heard of (their webhook never came, or was lost): each is read and
    /// booked by the path its event would have taken (a read request for ReadDisputesJob, which books from Stripe's
    /// answer), and told once as a warning. A dispute younger than PayoutOptions.ReconcileEventGrace is left for the
    /// next pass: its event may still be on its way.
    /// </summary>
    private async Task DisputesAsync(JobContext job, CancellationToken ct)
    {
        var since = await SinceAsync(job, Disputes, ct);
        var listed = new List<((string Id, string? PaymentIntent, long Amount) Dispute, DateTimeOffset CreatedAt)>();
        await foreach (var d in stripe.DisputesCreatedSinceAsync(since, ct))
            listed.Add(((d.Id, d.PaymentIntentId, d.Amount), new DateTimeOffset(d.Created, TimeSpan.Zero)));
        var booked = await PassAsync(job, Disputes, "book disputes never heard of", listed,
            options.ReconcileEventGrace, BookMissedAsync, ct);
        if (booked > 0)
            logger.LogWarning("{Count} dispute(s) on Stripe whose events never came, read and booked now", booked);
    }

    /// <summary>
    /// Books a dispute no event told Payout of by the path its event would have taken, and tells it once; true when
    /// told.
    /// </summary>
    private static async Task<bool> BookMissedAsync(TransactionContext context,
        (string Id, string? PaymentIntent, long Amount) d)
    {
        if (await ReconciliationStore.DisputeKnownAsync(context, d.Id)) return false;
        await ReadRequestStore.Disputes.RequestAsync(context, d.Id, MissedEventId(d.Id));
        if (!await ReconciliationStore.FirstReportAsync(context, d.Id, Disputes, "no event about it came"))
            return false;
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Warning, MissedDispute, d.Id,
            $"dispute {d.Id} of {d.Amount} on payment {d.PaymentIntent ?? "(none)"} is on Stripe, but no event " +
            "about it reached Payout: it is read and booked now as its webhook would have been (check the " +
            "webhook endpoint's deliveries in Stripe)", d.Id);
        return true;
    }

    /// <summary>A refund as Stripe lists it.</summary>
    private sealed record RefundListed(string Id, string? PaymentIntent, string? Charge, string? RefundId,
        long AmountMinor, string Currency, DateTimeOffset CreatedAt);

    /// <summary>
    /// Refunds on Stripe this pipeline did not make, each told once; one whose charge.refunded event never came is
    /// booked as it would have been. A refund younger than PayoutOptions.ReconcileEventGrace is left for the next
    /// pass: its own record, or its event, may still be on its way.
    /// </summary>
    private async Task RefundsAsync(JobContext job, CancellationToken ct)
    {
        var since = await SinceAsync(job, Refunds, ct);
        var listed = new List<(RefundListed Refund, DateTimeOffset CreatedAt)>();
        await foreach (var r in stripe.RefundsCreatedSinceAsync(since, ct))
        {
            var created = new DateTimeOffset(r.Created, TimeSpan.Zero);
            listed.Add((new RefundListed(r.Id, r.PaymentIntentId, r.ChargeId,
                r.Metadata?.GetValueOrDefault("refund_id"), r.Amount, r.Currency, created), created));
        }
        var raised = await PassAsync(job, Refunds, "match listed refunds", listed, options.ReconcileEventGrace,
            MatchAsync, ct);
        if (raised > 0)
            logger.LogError("{Count} refund(s) on Stripe not made by this pipeline", raised);
    }

    /// <summary>Raises the refund once when Payout did not make it as Stripe holds it; true when raised.</summary>
    private static async Task<bool> MatchAsync(TransactionContext context, RefundListed r)
    {
        var made = await ReconciliationStore.RefundMadeAsync(context, r.RefundId, r.Id);
        var finding = r.RefundId is not { Length: > 0 } ? "names no refund of this pipeline"
            : made is null || made.RefundId != r.RefundId ? $"names refund {r.RefundId}, which Payout has no record of"
            : made.StripeRefundId is { } recorded && recorded != r.Id
                ? $"refund {r.RefundId} is recorded as made by {recorded}"
            : made.PaymentIntentId != r.PaymentIntent || made.AmountMinor != r.AmountMinor
                ? $"refund {r.RefundId} is of {made.AmountMinor} on payment {made.PaymentIntentId}"
            : null;
        if (finding is null || !await ReconciliationStore.FirstReportAsync(context, r.Id, Refunds, finding))
            return false;
        var heard = r.Charge is { } charge && await ReconciliationStore.ChargeEventKnownAsync(context, charge);
        var booked = "";
        if (!heard && r.PaymentIntent is { } paymentIntent)
        {
            // As charge.refunded would have: the payment read again from Stripe, the prizes won with it frozen.
            await FundsStore.RequestAsync(context, [new PaymentRead(paymentIntent, MissedEventId(r.Id), null)]);
            await FreezeBookings.FreezeAsync(context, paymentIntent, Freezes.OfRefund(r.AmountMinor),
                FreezeCause.Refunded, r.CreatedAt, $"the entry fee {paymentIntent} was refunded outside the pipeline " +
                $"(refund {r.Id} of {r.AmountMinor}, found on Stripe's list; no event about it came): its prize " +
                "waits for an operator");
            booked = "; no event about it reached Payout: booked now as its webhook would have been (check the " +
                "webhook endpoint's deliveries in Stripe)";
        }
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, UnexplainedRefund, r.Id,
            $"refund {r.Id} of {r.AmountMinor} {r.Currency} on payment {r.PaymentIntent ?? "(none)"} is on Stripe " +
            $"but {finding}: money went back outside the pipeline (find who made it){booked}", r.Id);
        return true;
    }

    /// <summary>The event id a read asked by the reconciliation goes under (no Stripe event has it).</summary>
    public static string MissedEventId(string objectId) => "reconcile:" + objectId;

    private async Task TransfersAsync(JobContext job, CancellationToken ct)
    {
        var since = await SinceAsync(job, Transfers, ct);
        var listed = new List<(TransferSeen Transfer, DateTimeOffset CreatedAt)>();
        await foreach (var t in stripe.TransfersCreatedSinceAsync(since, ct))
            listed.Add((SendTransfersJob.Seen(t), new DateTimeOffset(t.Created, TimeSpan.Zero)));
        var raised = await PassAsync(job, Transfers, "match listed transfers", listed, null, MatchAsync, ct);
        if (raised > 0)
            logger.LogError("{Count} transfer(s) on Stripe not ordered by this pipeline as Stripe holds them",
                raised);
    }

    /// <summary>Raises the transfer once when Payout did not order it as Stripe holds it; true when raised.</summary>
    private static async Task<bool> MatchAsync(TransactionContext context, TransferSeen t)
    {
        var ordered = await ReconciliationStore.OrderedAsync(context, t.PayoutId, t.Id);
        var finding = Finding(t, ordered);
        if (finding is null || !await ReconciliationStore.FirstReportAsync(context, t.Id, Transfers, finding))
            return false;
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, UnexplainedTransfer, t.Id,
            $"transfer {t.Id} of {t.AmountMinor} {t.Currency} to {t.Destination ?? "(no destination)"} is on " +
            $"Stripe but {finding}: money left the platform outside the pipeline (find who made it; reverse it if " +
            "it is not owed)", t.Id);
        return true;
    }

    /// <summary>Why the transfer is not one Payout ordered; null when it is.</summary>
    private static string? Finding(TransferSeen t, ReconciliationStore.OrderedTransfer? ordered) =>
        t.PayoutId is not { Length: > 0 } ? "names no payout of this pipeline"
        : ordered is null || ordered.PayoutId != t.PayoutId
            ? $"names payout {t.PayoutId}, which Payout has no record of"
        : ordered.TransferId is { } recorded && recorded != t.Id
            ? $"payout {t.PayoutId} is recorded as paid by transfer {recorded}"
        : ordered.AmountMinor != t.AmountMinor || !string.Equals(ordered.Currency, t.Currency,
            StringComparison.OrdinalIgnoreCase)
            ? $"payout {t.PayoutId} is of {ordered.AmountMinor} {ordered.Currency}"
        : ordered.AccountId is { } account && account != t.Destination
            ? $"payout {t.PayoutId} is to {account}"
        : null;
}
