using System.Text.Json;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Extensions;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.Handlers;

/// <summary>
/// Entry-fee charges refunded or disputed outside the pipeline freeze the prizes won with
/// them (charge.refunded, charge.dispute.created); a dispute closed as won lets them go again
/// (charge.dispute.closed).
/// </summary>
public sealed class StripeChargeEvents : IStripeEventFamily
{
    public IReadOnlyCollection<string> Types { get; } = ["charge.refunded", "charge.dispute.created", "charge.dispute.closed"];

    public Task<string> HandleAsync(StripeEvent e, HandlerContext context) => e.Type switch
    {
        "charge.refunded" => RefundedAsync(context, e.Data.Object),
        "charge.dispute.created" => DisputeCreatedAsync(context, e.Data.Object),
        _ => DisputeClosedAsync(context, e.Data.Object),
    };

    private static async Task<string> RefundedAsync(HandlerContext context, JsonElement charge)
    {
        var paymentIntent = StripeEvents.Text(charge, "payment_intent");
        if (paymentIntent is null) return "charge without a payment intent";
        if (await RefundStore.ExistsForPaymentAsync(context, paymentIntent)) return "a refund this pipeline made";
        return await FreezeAsync(context, paymentIntent, "refunded", null,
            $"the entry fee {paymentIntent} was refunded outside the pipeline (the ledger does not show it): its prize waits for an operator");
    }

    private static async Task<string> DisputeCreatedAsync(HandlerContext context, JsonElement dispute)
    {
        var paymentIntent = StripeEvents.Text(dispute, "payment_intent");
        if (paymentIntent is null) return "dispute without a payment intent";
        return await FreezeAsync(context, paymentIntent, "disputed", StripeEvents.Text(dispute, "id"),
            $"the entry fee {paymentIntent} is disputed ({StripeEvents.Text(dispute, "reason")}): its prize waits until the dispute closes");
    }

    private static async Task<string> FreezeAsync(HandlerContext context, string paymentIntent, string cause, string? disputeId, string message)
    {
        if (!await PayoutStore.FreezeAsync(context, paymentIntent, cause, disputeId)) return "already frozen";
        var sent = await PayoutStore.OfPaymentAsync(context, paymentIntent, [PayoutStates.Submitting, PayoutStates.Paid]);
        var late = sent.Count > 0 ? $"; prize {string.Join(", ", sent.Select(p => p.PayoutId))} was already sent" : "";
        context.RaiseAlert(PayoutWorker.Name, sent.Count > 0 ? AlertSeverities.Critical : AlertSeverities.Warning, "entry_fee_" + cause, paymentIntent,
            message + late, $"{paymentIntent}:{disputeId ?? cause}");
        return "frozen: " + cause;
    }

    private static async Task<string> DisputeClosedAsync(HandlerContext context, JsonElement dispute)
    {
        var paymentIntent = StripeEvents.Text(dispute, "payment_intent");
        var disputeId = StripeEvents.Text(dispute, "id");
        var status = StripeEvents.Text(dispute, "status");
        if (paymentIntent is null) return "dispute without a payment intent";
        if (status != "won")
        {
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "dispute_lost", paymentIntent,
                $"dispute {disputeId} on entry fee {paymentIntent} closed as {status}: its prize stays frozen; release or reject it", disputeId ?? paymentIntent);
            return "dispute " + status + ": stays frozen";
        }
        if (!await PayoutStore.ResolveDisputeWonAsync(context, paymentIntent, disputeId)) return "no open dispute to close";
        var now = context.Clock.GetUtcNow();
        var held = await PayoutStore.OfPaymentAsync(context, paymentIntent, [PayoutStates.Held], HoldKinds.Frozen);
        foreach (var payout in held)
            await PayoutStore.SaveAsync(context, payout, payout with
            {
                State = PayoutStates.Waiting, HoldKind = null, Reason = $"dispute {disputeId} won", NextAttemptAt = now,
            });
        return $"dispute won: {held.Count} payouts resumed";
    }
}
