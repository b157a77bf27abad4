using Charge = Stripe.Charge;
using Dispute = Stripe.Dispute;
using Event = Stripe.Event;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Domain;
using ContestPipeline.Payout.Extensions;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.StripeEvents;

/// <summary>
/// Entry-fee charges refunded or disputed outside the pipeline freeze the prizes won with
/// them (charge.refunded, charge.dispute.created); a dispute closed as won lifts its freeze
/// (charge.dispute.closed). Each refund (by the charge's refunded total) and each dispute (by
/// its id) is a freeze of its own, so an operator's release of a frozen prize waives the
/// freezes it saw and a later one holds the prize again. The events come in any order: a
/// dispute closed before its created event arrived stays closed.
/// </summary>
public sealed class ChargeEvents : IStripeEventFamily
{
    public IReadOnlyCollection<string> Types { get; } = ["charge.refunded", "charge.dispute.created", "charge.dispute.closed"];

    public Task<string> ApplyAsync(Event e, HandlerContext context) => e.Type switch
    {
        "charge.refunded" => RefundedAsync(context, e, StripeEventReader.Object<Charge>(e)),
        "charge.dispute.created" => DisputeCreatedAsync(context, StripeEventReader.Object<Dispute>(e)),
        _ => DisputeClosedAsync(context, StripeEventReader.Object<Dispute>(e)),
    };

    private static async Task<string> RefundedAsync(HandlerContext context, Event e, Charge charge)
    {
        var paymentIntent = charge.PaymentIntentId;
        if (paymentIntent is null) return "charge without a payment intent";
        if (await RefundStore.ExistsForPaymentAsync(context, paymentIntent)) return "a refund this pipeline made";
        var refunded = charge.AmountRefunded;
        if (refunded <= 0) throw new MessageRejectedException($"event {e.Id} (charge.refunded): charge {charge.Id} has no amount_refunded");
        return await FreezeAsync(context, paymentIntent, Freezes.OfRefund(refunded), Freezes.Refunded,
            $"the entry fee {paymentIntent} was refunded outside the pipeline ({refunded} of it; the ledger does not show it): its prize waits for an operator");
    }

    private static async Task<string> DisputeCreatedAsync(HandlerContext context, Dispute dispute)
    {
        var paymentIntent = dispute.PaymentIntentId;
        if (paymentIntent is null) return "dispute without a payment intent";
        var disputeId = dispute.Id;
        return await FreezeAsync(context, paymentIntent, disputeId, Freezes.Disputed,
            $"the entry fee {paymentIntent} is disputed ({disputeId}, {dispute.Reason}): its prize waits until the dispute closes");
    }

    /// <summary>
    /// Records the freeze; the payment's prizes that are waiting or held for another reason
    /// are held for it now (a release that came before it did not waive it), and one already
    /// sent is a critical alert.
    /// </summary>
    private static async Task<string> FreezeAsync(HandlerContext context, string paymentIntent, string freezeId, string cause, string message)
    {
        if (!await FreezeStore.FreezeAsync(context, paymentIntent, freezeId, cause)) return $"{freezeId} known already";
        var sent = await PayoutStore.OfPaymentAsync(context, paymentIntent, [PayoutState.Submitting, PayoutState.Paid]);
        var late = sent.Count > 0 ? $"; prize {string.Join(", ", sent.Select(p => p.PayoutId))} was already sent" : "";
        context.RaiseAlert(PayoutWorker.Name, sent.Count > 0 ? AlertSeverities.Critical : AlertSeverities.Warning, "entry_fee_" + cause, paymentIntent,
            message + late, $"{paymentIntent}:{freezeId}");
        var waiting = await PayoutStore.OfPaymentAsync(context, paymentIntent, [PayoutState.Waiting, PayoutState.Held, PayoutState.AwaitingAccount]);
        var held = 0;
        foreach (var payout in waiting)
        {
            await PayoutStore.SaveAsync(context, payout, payout with
            {
                State = PayoutState.Held, HoldKind = HoldKinds.Frozen, Reason = $"frozen: {message}", NextAttemptAt = context.Clock.GetUtcNow(),
            });
            held++;
        }
        return $"frozen: {freezeId} ({held} payouts held)";
    }

    private static async Task<string> DisputeClosedAsync(HandlerContext context, Dispute dispute)
    {
        var paymentIntent = dispute.PaymentIntentId;
        var disputeId = dispute.Id;
        var status = dispute.Status;
        if (paymentIntent is null) return "dispute without a payment intent";
        var won = status == "won";
        if (!await FreezeStore.CloseDisputeAsync(context, paymentIntent, disputeId, won)) return $"dispute {disputeId} closed already";
        if (!won)
        {
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "dispute_lost", paymentIntent,
                $"dispute {disputeId} on entry fee {paymentIntent} closed as {status}: its prize stays frozen; release or reject it", disputeId);
            return "dispute " + status + ": stays frozen";
        }
        // Lifted: the payment's frozen prizes go on unless another freeze still holds them.
        var inForce = await FreezeStore.InForceAsync(context, paymentIntent);
        var now = context.Clock.GetUtcNow();
        var resumed = 0;
        foreach (var payout in await PayoutStore.OfPaymentAsync(context, paymentIntent, [PayoutState.Held], HoldKinds.Frozen))
        {
            if (inForce.Any(f => !payout.Waived.Contains(Waivers.Freeze(f)))) continue;
            await PayoutStore.SaveAsync(context, payout, payout with
            {
                State = PayoutState.Waiting, HoldKind = null, Reason = $"dispute {disputeId} won", NextAttemptAt = now,
            });
            resumed++;
        }
        return $"dispute won: {resumed} payouts resumed";
    }
}
