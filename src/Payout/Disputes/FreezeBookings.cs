using System.Globalization;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Clawbacks;
using ContestPipeline.Payout.Controls;
using ContestPipeline.Payout.Gates;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Disputes;

/// <summary>
/// Freezes of entry fees and what lifts them: a refund outside the pipeline (from its event) and a dispute as Stripe
/// answers when it is read (<see cref="ReadDisputesJob"/>), never as an event's body tells it. Each refund (by
/// the charge's refunded total) and each dispute (by its id) is a freeze of its own, so an operator's release of a
/// frozen prize waives the freezes it saw and a later one holds the prize again. A dispute Stripe shows closed stays
/// closed, whichever of its events asked first; one seen for the first time that makes a surge halts every payout
/// automatically (<see cref="DisputeRules"/>), a halt that only two different operators' resumes end.
/// </summary>
public static class FreezeBookings
{
    /// <summary>
    /// Books a dispute as Stripe's read shows it: open, a freeze; won, the freeze lifted; lost (or an inquiry
    /// closed), closed and the prize left frozen for an operator. Dated and counted as Stripe dates and names it.
    /// </summary>
    public static async Task<string> BookDisputeAsync(TransactionContext context, PayoutOptions options,
        DisputeSeen dispute)
    {
        if (dispute.PaymentIntentId is not { Length: > 0 } paymentIntent) return "a dispute without a payment intent";
        var first = !await FreezeStore.KnownAsync(context, paymentIntent, dispute.Id);
        var booked = !dispute.Closed
            ? await FreezeAsync(context, paymentIntent, dispute.Id, FreezeCause.Disputed, dispute.Created,
                $"the entry fee {paymentIntent} is disputed ({dispute.Id}, {dispute.Reason}, {dispute.Amount}): " +
                "its prize waits until the dispute closes")
            : await ClosedAsync(context, paymentIntent, dispute);
        PublishFunds(context, dispute, paymentIntent);
        // Seen for the first time, open or closed already: a dispute all the same, for the surge.
        return first ? booked + await SurgeAsync(context, options, dispute.Id, dispute.Created) : booked;
    }

    /// <summary>
    /// What the dispute has moved on the platform's Stripe balance, and where it stands, for the ledger
    /// (<see cref="DisputeFundsMoved"/>, keyed by the dispute): one message per state Stripe shows (status and
    /// transactions), so a read that finds the same state again publishes nothing new.
    /// </summary>
    private static void PublishFunds(TransactionContext context, DisputeSeen dispute, string paymentIntent) =>
        context.PublishFirstWins(Topics.PayoutsStatus, dispute.Id,
            DisputeFundsMoved.MessageIdFor(dispute.Id, dispute.Status, dispute.Funds.Count),
            new DisputeFundsMoved(dispute.Id, paymentIntent, dispute.Currency, dispute.Status, dispute.Funds,
                context.Clock.GetUtcNow()));

    /// <summary>
    /// Records the freeze; the payment's prizes that are waiting, held for another reason, or claimed and not sent yet
    /// are held for it now (a release that came before it did not waive it), and one already
    /// sent, or perhaps sent, is a critical alert.
    /// </summary>
    public static async Task<string> FreezeAsync(TransactionContext context, string paymentIntent, string freezeId,
        FreezeCause cause, DateTimeOffset occurredAt, string message)
    {
        if (!await FreezeStore.FreezeAsync(context, paymentIntent, freezeId, cause, occurredAt))
            return $"{freezeId} known already";
        var payouts = await PayoutStore.OfPaymentAsync(context, paymentIntent, [PayoutState.Waiting,
            PayoutState.Held, PayoutState.AwaitingAccount, PayoutState.Submitting, PayoutState.Paid]);
        // Sent, or perhaps sent: paid, or submitting under a key marked just before its POST. A payout claimed and
        // not sent yet is held like one still waiting, with its key (its transfer job finds it held, and skips it).
        var sent = payouts.Where(p => p.State == PayoutState.Paid || (p.State == PayoutState.Submitting && p.MaybeSent))
            .ToList();
        var late = sent.Count > 0 ? $"; prize {string.Join(", ", sent.Select(p => p.PayoutId))} was already sent" : "";
        // Every refund or dispute of an entry fee reaches the operators as critical (the finance runbook's rule);
        // the message says whether the prize was already sent.
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "entry_fee_" + Freezes.CauseName(cause),
            paymentIntent, message + late, $"{paymentIntent}:{freezeId}");
        var held = 0;
        foreach (var payout in payouts.Except(sent))
        {
            await PayoutStore.SaveAsync(context, payout, payout with
            {
                State = PayoutState.Held, Hold = PayoutHold.Frozen, Reason = $"frozen: {message}",
                NextAttemptAt = context.Clock.GetUtcNow(), LeaseUntil = null,
            });
            held++;
        }
        return $"frozen: {freezeId} ({held} payouts held)";
    }

    /// <summary>
    /// A dispute Stripe shows closed, recorded closed even if it was never seen open. Won: the payment's frozen
    /// prizes go on unless another freeze still holds them. Otherwise the entry fee is lost: its prizes are withheld,
    /// and those already paid taken back (<see cref="LostEntryFees"/>; critical alert).
    /// </summary>
    private static async Task<string> ClosedAsync(TransactionContext context, string paymentIntent, DisputeSeen dispute)
    {
        var closed = FreezeLifecycle.Closed(dispute.Won);
        if (!await FreezeStore.CloseDisputeAsync(context, paymentIntent, dispute.Id, closed, dispute.Created))
            return $"dispute {dispute.Id} closed already";
        if (!dispute.Won)
        {
            var lost = await LostEntryFees.EntryFeeLostAsync(context, paymentIntent, LostCause(dispute),
                withholdUnpaid: true);
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "dispute_lost", paymentIntent,
                $"dispute {dispute.Id} on entry fee {paymentIntent} closed as {dispute.Status} ({dispute.Amount}): " +
                "the prizes won with it are withheld, and those already paid taken back" + lost, dispute.Id);
            return "dispute " + dispute.Status + ": withheld" + lost;
        }
        var inForce = await FreezeStore.InForceAsync(context, paymentIntent);
        var now = context.Clock.GetUtcNow();
        var resumed = 0;
        var frozen = await PayoutStore.OfPaymentAsync(context, paymentIntent, [PayoutState.Held], PayoutHold.Frozen);
        foreach (var payout in frozen)
        {
            if (inForce.Any(f => !payout.Waived.Contains(Waivers.Freeze(f)))) continue;
            await PayoutStore.SaveAsync(context, payout, payout with
            {
                State = PayoutState.Waiting, Hold = null, Reason = $"dispute {dispute.Id} won", NextAttemptAt = now,
            });
            resumed++;
        }
        return $"dispute won: {resumed} payouts resumed";
    }

    /// <summary>Why a prize won with a lost dispute's entry fee is withheld, as the winner reads it.</summary>
    public static string LostCause(DisputeSeen dispute) =>
        $"the entry fee {dispute.PaymentIntentId} was disputed with the card issuer and the dispute ({dispute.Id}) " +
        $"closed as {dispute.Status}";

    /// <summary>
    /// A dispute seen for the first time: when it makes a surge (<see cref="DisputeRules.IsSurge"/>), every payout is
    /// halted by the same halt an operator's emergency stop makes, recorded with its reason, alerted critically, and
    /// ended only by two different operators' resumes. A surge while an automatic halt is in force halts nothing more.
    /// </summary>
    private static async Task<string> SurgeAsync(TransactionContext context, PayoutOptions options, string disputeId,
        DateTimeOffset at)
    {
        if (options.DisputeHaltCount == 0) return "";
        // The stop's row, locked first: disputes first seen at once by two instances are counted one after the
        // other, and the later one counts the earlier.
        var (halted, inForce) = await DispatchStore.CurrentAsync(context);
        var disputes = await DisputeRuleStore.DisputesAroundAsync(context, at, options.DisputeHaltWindow);
        if (!DisputeRules.IsSurge(disputes, at, options)) return "";
        if (halted && inForce is not null && await DispatchStore.ApprovalsNeededAsync(context, inForce) > 1)
            return $"; a surge of disputes, and payouts are halted already by {inForce}";
        var most = DisputeRules.MostInOneWindow(disputes, at, options.DisputeHaltWindow);
        var hours = options.DisputeHaltWindow.TotalHours.ToString("0.##", CultureInfo.InvariantCulture);
        var reason = $"{most} disputes within {hours} hours, {disputeId} the last seen " +
            $"({options.DisputeHaltCount} halt every payout): automatic halt; two different operators must resume it";
        var halt = new PayoutDispatchDecided(DisputeRules.HaltIdFor(disputeId), PayoutDispatchDecided.Halt,
            DisputeRules.AutomaticOperator, reason, context.Clock.GetUtcNow());
        if (!await DispatchStore.RecordHaltAsync(context, halt, Topics.StripeEvents))
            return $"; halt {halt.DecisionId} known already";
        await DispatchStore.RequireTwoApprovalsAsync(context, halt.DecisionId);
        await DispatchStore.SetAsync(context, halt, halted: true);
        DispatchStore.PublishChanged(context, halt, halted: true);
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "payouts_halted_disputes", "payouts",
            $"every payout is halted ({halt.DecisionId}): {reason}; check the disputes in Stripe, then two different " +
            $"operators run cpctl payouts resume --halt {halt.DecisionId}", halt.DecisionId);
        return $"; payouts halted: {halt.DecisionId}";
    }
}
