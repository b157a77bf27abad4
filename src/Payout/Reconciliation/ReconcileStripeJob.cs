using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Payout.Reconciliation;

/// <summary>
/// Lists the transfers Stripe created since the last pass (100 a page, within the Stripe budget like every other
/// call) and matches each against the payout it names: a transfer with no payout id, naming a payout Payout has no
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

    /// <summary>How far back a pass lists beyond the newest record the last pass saw (clocks, late commits).</summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromMinutes(10);

    /// <summary>How far back the first pass lists.</summary>
    public static readonly TimeSpan FirstLookBack = TimeSpan.FromHours(48);

    public string Name => "reconcile-stripe";
    public TimeSpan Interval => options.ReconcileInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        var since = await job.InTransactionAsync("read the transfer cursor", async context =>
            await ReconciliationStore.ListedSinceAsync(context, Transfers)
                ?? context.Clock.GetUtcNow() - FirstLookBack, ct);
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
        return false;
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
