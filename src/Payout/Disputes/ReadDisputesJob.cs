using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Payout.StripeEvents;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Payout.Disputes;

/// <summary>
/// Reads the disputes charge.dispute.* events asked about, as Stripe has them now, by the core's claim → lease →
/// call → record (<see cref="ClaimedCalls"/>), and books what Stripe answers (<see cref="FreezeBookings"/>): its
/// status (open freezes the entry's prize, won lifts the freeze, lost keeps it), payment intent, amount and date.
/// A body that said otherwise than Stripe (an outcome Stripe does not show, another amount or payment) is recorded
/// with the event and alerted; Stripe's answer is what is booked.
/// </summary>
public sealed class ReadDisputesJob(StripeApi stripe, PayoutOptions options, CrashPoints crash,
    ILogger<ReadDisputesJob> logger) : IJob
{
    public string Name => "read-disputes";
    public TimeSpan Interval => options.DispatchInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct) =>
        await ClaimedCalls.RunAsync(job, new ClaimedCall<ReadRequest, Read>
        {
            What = "dispute read",
            ClaimAsync = context => ReadRequestStore.Disputes.ClaimAsync(context, options.BatchSize, options.Lease),
            IdOf = r => r.ObjectId,
            CallAsync = ReadAsync,
            RecordAsync = RecordAsync,
            Lease = options.Lease,
            RenewAsync = ReadRequestStore.Disputes.RenewAsync,
        }, crash, logger, ct) >= options.BatchSize;

    /// <summary>
    /// The dispute as Stripe has it; null when Stripe does not know it, or why its answer could not be read.
    /// </summary>
    private sealed record Read(DisputeSeen? Dispute, string? Unreadable);

    private async Task<Read> ReadAsync(ReadRequest read, CancellationToken ct)
    {
        var lookup = await stripe.LookUpAsync("GET /v1/disputes/{id}", (s, o, t) =>
            s.V1.Disputes.GetAsync(read.ObjectId, null, o, t), ct);
        return new Read(lookup.Found is { } dispute ? DisputeSeen.Of(dispute) : null, lookup.Unreadable);
    }

    private async Task RecordAsync(TransactionContext context, ReadRequest read, Read outcome)
    {
        context.Cause = Cause.Recorded(read.ObjectId, read.EventId);
        var what = outcome.Unreadable is { } problem ? Unreadable(context, read, problem)
            : outcome.Dispute is not { } dispute ? NotFound(context, read)
            : Disagreement(context, read, dispute) + await FreezeBookings.BookDisputeAsync(context, options, dispute);
        await StripeEventStore.AddOutcomeAsync(context, read.EventId, "read: " + what);
        await ReadRequestStore.Disputes.CompleteAsync(context, read);
    }

    /// <summary>The event's body disagreed with Stripe's answer: said so in the outcome, and alerted.</summary>
    private static string Disagreement(TransactionContext context, ReadRequest read, DisputeSeen dispute)
    {
        if (dispute.DisagreementWith(read.Claimed) is not { } disagreement) return "";
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Warning, "dispute_body_mismatch", dispute.Id,
            $"event {read.EventId} said of dispute {dispute.Id}: {disagreement}; Stripe's answer is booked, not the " +
            "event's body (check where the event came from)", $"{dispute.Id}:{read.EventId}");
        return $"the event's body disagrees with Stripe ({disagreement}); ";
    }

    private static string NotFound(TransactionContext context, ReadRequest read)
    {
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Warning, "dispute_not_on_stripe", read.ObjectId,
            $"event {read.EventId} named dispute {read.ObjectId}, which Stripe does not know; nothing booked",
            read.EventId);
        return "no such dispute on Stripe";
    }

    private static string Unreadable(TransactionContext context, ReadRequest read, string problem)
    {
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "stripe_dispute_unreadable", read.ObjectId,
            $"dispute {read.ObjectId} (event {read.EventId}) could not be read from Stripe: {problem}; nothing booked",
            read.EventId);
        return "unreadable";
    }
}
