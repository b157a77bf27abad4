using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.StripeEvents;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Plumbing;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Payout.Transfers;

/// <summary>
/// Reads the transfers that transfer.* events asked about, as Stripe has them now, by the core's
/// claim → lease → call → record (<see cref="ClaimedCalls"/>), and records what it finds: a prize
/// transfer not yet recorded is recorded paid (when its amount, currency and destination, the
/// winner's account, match the payout), and money that came back since the last read
/// (amount_reversed as read, also after a legacy transfer.failed, whose type alone books nothing:
/// one for a transfer Stripe shows unreversed is alerted) is published and fails the
/// payout for an operator. Whichever order the events and the transfer job's own answer come in,
/// the read of the transfer decides, so a reversal that arrives before the transfer was recorded
/// is not lost.
/// </summary>
public sealed class ReadTransfersJob(StripeApi stripe, PayoutOptions options, CrashPoints crash,
    ILogger<ReadTransfersJob> logger)
    : IJob
{
    public string Name => "read-transfers";
    public TimeSpan Interval => options.DispatchInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct) =>
        await ClaimedCalls.RunAsync(job, new ClaimedCall<ReadRequest, Read>
        {
            What = "transfer read",
            ClaimAsync = ClaimAsync,
            IdOf = r => r.ObjectId,
            CallAsync = ReadAsync,
            RecordAsync = RecordAsync,
            Lease = options.Lease,
            RenewAsync = ReadRequestStore.Transfers.RenewAsync,
        }, crash, logger, ct) >= options.BatchSize;

    /// <summary>
    /// The reads to make: first the waiting ones that the transfer job's own record answered meanwhile are dropped
    /// (<see cref="TransferEvents"/>), then those due are claimed, a waiting one once
    /// <see cref="PayoutOptions.TransferReadWait"/> has passed without that record.
    /// </summary>
    private async Task<IReadOnlyList<ReadRequest>> ClaimAsync(TransactionContext context)
    {
        foreach (var eventId in await ReadRequestStore.Transfers.DropAnsweredAsync(context))
            await StripeEventStore.AddOutcomeAsync(context, eventId, TransferEvents.RecordedMeanwhile);
        return await ReadRequestStore.Transfers.ClaimAsync(context, options.BatchSize, options.Lease,
            options.TransferReadWait);
    }

    /// <summary>
    /// The transfer as Stripe has it; null when Stripe does not know it, or why its answer could not be read.
    /// </summary>
    private sealed record Read(TransferSeen? Transfer, string? Unreadable);

    private async Task<Read> ReadAsync(ReadRequest read, CancellationToken ct)
    {
        var lookup = await stripe.LookUpAsync("GET /v1/transfers/{id}", (s, o, t) =>
            s.V1.Transfers.GetAsync(read.ObjectId, null, o, t), ct);
        return new Read(lookup.Found is { } transfer ? SendTransfersJob.Seen(transfer) : null, lookup.Unreadable);
    }

    private static async Task RecordAsync(TransactionContext context, ReadRequest read, Read outcome)
    {
        context.Cause = Cause.Recorded(read.ObjectId, read.EventId);
        var what = outcome.Unreadable is { } problem ? Unreadable(context, read, problem)
            : outcome.Transfer is not { } transfer ? NotFound(context, read)
            : await ApplyAsync(context, transfer, read.Flagged);
        await StripeEventStore.AddOutcomeAsync(context, read.EventId, what);
        await ReadRequestStore.Transfers.CompleteAsync(context, read);
    }

    private static async Task<string> ApplyAsync(TransactionContext context, TransferSeen transfer, bool legacyFailed)
    {
        if (transfer.PayoutId is not { } payoutId) return "read: not a prize transfer";
        var payout = await PayoutStore.FindAsync(context, payoutId, forUpdate: false);
        if (payout is null)
        {
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Warning, "transfer_for_unknown_payout", transfer.Id,
                $"transfer {transfer.Id} names payout {payoutId}, which Payout never ordered", transfer.Id);
            return "read: unknown payout " + payoutId;
        }
        // Quarantined for a transfer that was not the one ordered: what Stripe says of it now is
        // for the operator reconciling it by hand (the alert), never a change to the payout.
        if (payout.State == PayoutState.Quarantined)
        {
            var to = transfer.Destination ?? "no destination";
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "quarantined_transfer_read",
                payout.PayoutId,
                $"transfer {transfer.Id} ({transfer.AmountMinor} {transfer.Currency} to {to}, " +
                $"{transfer.ReversedMinor} reversed) names quarantined payout {payoutId}: reconcile it by hand",
                $"{transfer.Id}:{transfer.ReversedMinor}");
            return "read: payout quarantined, not applied";
        }
        var recorded = payout.TransferId == transfer.Id
            || await TransferBookings.MarkPaidAsync(context, payoutId, transfer, "transfer read on Stripe");
        if (!recorded) return "read: not recorded as its payment";
        // What came back is what Stripe says of the transfer now (amount_reversed), also after a
        // legacy transfer.failed: the event's type alone books nothing.
        var reversed = await TransferBookings.ReversedAsync(context, payoutId, transfer,
            legacyFailed ? "transfer failed (legacy event), read on Stripe" : "transfer reversed");
        if (reversed is null && legacyFailed && transfer.ReversedMinor < transfer.AmountMinor)
        {
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "transfer_failed_unconfirmed", payoutId,
                $"a legacy transfer.failed names {transfer.Id} of payout {payoutId}, and Stripe shows " +
                $"{transfer.ReversedMinor} of {transfer.AmountMinor} {transfer.Currency} reversed: " +
                "nothing more is booked back; check the transfer on Stripe", transfer.Id);
            return $"read: transfer.failed, but Stripe shows {transfer.ReversedMinor} of " +
                $"{transfer.AmountMinor} reversed: " +
                "nothing booked";
        }
        return reversed ?? (payout.TransferId == transfer.Id ? "read: already recorded" : "read: recorded paid");
    }

    private static string NotFound(TransactionContext context, ReadRequest read)
    {
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Warning, "transfer_not_on_stripe", read.ObjectId,
            $"event {read.EventId} named transfer {read.ObjectId}, which Stripe does not know; nothing " +
            "recorded", read.EventId);
        return "read: no such transfer on Stripe";
    }

    private static string Unreadable(TransactionContext context, ReadRequest read, string problem)
    {
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "stripe_transfer_unreadable", read.ObjectId,
            $"transfer {read.ObjectId} (event {read.EventId}) could not be read from Stripe: {problem}; nothing " +
            "recorded", read.EventId);
        return "read: unreadable";
    }
}
