using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Ingestion.Contests;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Ingestion.Payments;

/// <summary>
/// The daily reconciliation of payments against entries and refunds. A PaymentIntent that
/// succeeded for a contest (its metadata names it) and never became an entry — the player
/// paid and the submission never came — is refunded once its contest can no longer take it
/// (closed, cancelled, or never defined) and <see cref="IngestionOptions.ReconcileGrace"/> has
/// passed since Ingestion learnt it succeeded. A contest at a time under its row lock, as a
/// decision round takes it, so a payment cannot become an entry and be refunded; the refund is
/// ordered through the same once-per-PaymentIntent record as every other, so a submission that
/// comes after it finds the payment used. A payment already refunded on Stripe is left as it
/// is; one disputed or partly refunded outside the pipeline is left for an operator, with an
/// alert. Each payment is reconciled once and not looked at again.
/// </summary>
public sealed class ReconcilePaymentsJob(IngestionOptions options) : IJob
{
    public const int ContestsPerRun = 20;
    public const int PaymentsPerContest = 1_000;

    public string Name => "reconcile-payments";
    public TimeSpan Interval => options.ReconcileInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        var before = job.Clock.GetUtcNow() - options.ReconcileGrace;
        var contests = await job.InTransactionAsync("find payments to reconcile",
            c => PaymentStore.ContestsToReconcileAsync(c, before, ContestsPerRun), ct);
        var reconciled = 0;
        var full = false;
        foreach (var contestId in contests)
        {
            var (done, looked) = await job.InTransactionAsync(Name, c => ReconcileAsync(c, contestId, before), ct);
            reconciled += done;
            full |= looked >= PaymentsPerContest;
        }
        // Payments whose submission is still waiting stay unreconciled: go again at once only when
        // this run settled some.
        return reconciled > 0 && (full || contests.Count >= ContestsPerRun);
    }

    /// <summary>Reconciles one contest's payments; returns how many were settled and how many looked at.</summary>
    public async Task<(int Reconciled, int Looked)> ReconcileAsync(TransactionContext context, string contestId,
        DateTimeOffset succeededBefore)
    {
        var contest = await ContestStore.ContestForUpdateAsync(context, contestId);
        if (contest?.State == EntriesState.Open) return (0, 0);
        var payments = await PaymentStore.UnreconciledAsync(context, contestId, succeededBefore, PaymentsPerContest);
        var refunds = new List<RefundOrdered>();
        var outcomes = new List<(string, string)>();
        foreach (var p in payments)
        {
            var pi = p.PaymentIntentId;
            if (p.SubmissionWaiting) continue;
            if (p.Entered) outcomes.Add((pi, "entry"));
            else if (p.RefundOrdered) outcomes.Add((pi, "refund ordered"));
            else if (p.AmountRefunded >= p.AmountReceived && !p.Disputed) outcomes.Add((pi, "refunded on Stripe"));
            else if (p.Disputed || p.AmountRefunded > 0 || p.PlayerId is null)
            {
                var why = p.Disputed ? "is disputed"
                    : p.AmountRefunded > 0
                        ? $"was partly refunded outside the pipeline ({p.AmountRefunded} of {p.AmountReceived})"
                    : "names no player";
                context.Cause = Cause.Clock(Name, contestId);
                context.RaiseAlert(IngestionWorker.Name, AlertSeverities.Warning,
                    "payment_not_entered_left_for_operator", pi,
                    $"PaymentIntent {pi} ({p.AmountReceived} {p.Currency}) paid for contest {contestId} "
                    + $"and never became an entry, but {why}: " +
                    "not refunded automatically; settle it on Stripe by hand", pi);
                outcomes.Add((pi, "left for an operator: " + why));
            }
            else
            {
                var refund = new RefundOrdered(RefundOrdered.RefundIdFor(pi), contestId, p.PlayerId, pi,
                    p.AmountReceived, p.Currency.ToUpperInvariant(),
                    $"paid for contest {contestId} at {p.SucceededAt:yyyy-MM-dd'T'HH:mm:ss'Z'} "
                    + "and never became an entry (found by reconciliation)");
                refunds.Add(refund);
                context.Publish(Cause.Clock(Name, contestId), Topics.PayoutsDue, contestId, refund.RefundId, refund);
                outcomes.Add((pi, "refunded: never entered"));
            }
        }
        if (refunds.Count > 0)
            await PaymentStore.OrderRefundsAsync(context, contestId, refunds, context.Clock.GetUtcNow());
        if (outcomes.Count > 0) await PaymentStore.MarkReconciledAsync(context, outcomes);
        return (outcomes.Count, payments.Count);
    }
}
