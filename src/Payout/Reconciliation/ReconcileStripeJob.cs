using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Payout.StripeEvents;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Payout.Reconciliation;

/// <summary>
/// Lists the transfers and the disputes Stripe created since the last pass (100 a page, within the Stripe budget like
/// every other call). A dispute no event told Payout of is read and booked as its event would have had it. Each
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

    /// <summary>How far back a pass lists beyond the newest record the last pass saw (clocks, late commits).</summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromMinutes(10);

    /// <summary>How far back the first pass lists.</summary>
    public static readonly TimeSpan FirstLookBack = TimeSpan.FromHours(48);

    public string Name => "reconcile-stripe";
    public TimeSpan Interval => options.ReconcileInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        await TransfersAsync(job, ct);
        await DisputesAsync(job, ct);
        return false;
    }

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
        var listed = new List<(string Id, string? PaymentIntent, long Amount, DateTimeOffset CreatedAt)>();
        await foreach (var d in stripe.DisputesCreatedSinceAsync(since, ct))
            listed.Add((d.Id, d.PaymentIntentId, d.Amount, new DateTimeOffset(d.Created, TimeSpan.Zero)));
        var booked = await job.InTransactionAsync("book disputes never heard of", async context =>
        {
            context.Cause = Cause.Clock(Name, Disputes);
            var count = 0;
            var settled = context.Clock.GetUtcNow() - options.ReconcileEventGrace;
            var judged = listed.Where(l => l.CreatedAt <= settled).ToList();
            foreach (var (id, paymentIntent, amount, _) in judged)
            {
                if (await ReconciliationStore.DisputeKnownAsync(context, id)) continue;
                await ReadRequestStore.Disputes.RequestAsync(context, id, MissedEventId(id));
                if (!await ReconciliationStore.FirstReportAsync(context, id, Disputes, "no event about it came"))
                    continue;
                context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Warning, MissedDispute, id,
                    $"dispute {id} of {amount} on payment {paymentIntent ?? "(none)"} is on Stripe, but no event " +
                    "about it reached Payout: it is read and booked now as its webhook would have been (check the " +
                    "webhook endpoint's deliveries in Stripe)", id);
                count++;
            }
            if (judged.Count > 0)
                await ReconciliationStore.AdvanceAsync(context, Disputes, judged.Max(l => l.CreatedAt) - Overlap);
            return count;
        }, ct);
        if (booked > 0)
            logger.LogWarning("{Count} dispute(s) on Stripe whose events never came, read and booked now", booked);
    }

    /// <summary>The event id a read asked by the reconciliation goes under (no Stripe event has it).</summary>
    public static string MissedEventId(string objectId) => "reconcile:" + objectId;

    private async Task TransfersAsync(JobContext job, CancellationToken ct)
    {
        var since = await SinceAsync(job, Transfers, ct);
        var listed = new List<(TransferSeen Transfer, DateTimeOffset CreatedAt)>();
        await foreach (var t in stripe.TransfersCreatedSinceAsync(since, ct))
            listed.Add((SendTransfersJob.Seen(t), new DateTimeOffset(t.Created, TimeSpan.Zero)));
        var raised = await job.InTransactionAsync("match listed transfers", async context =>
        {
            context.Cause = Cause.Clock(Name, Transfers);
            var count = 0;
            foreach (var (transfer, _) in listed)
                if (await MatchAsync(context, transfer))
                    count++;
            if (listed.Count > 0)
                await ReconciliationStore.AdvanceAsync(context, Transfers, listed.Max(l => l.CreatedAt) - Overlap);
            return count;
        }, ct);
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
