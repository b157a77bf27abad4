using Charge = Stripe.Charge;
using Dispute = Stripe.Dispute;
using Event = Stripe.Event;
using ContestPipeline.Payout.Funds;
using ContestPipeline.Payout.Refunds;
using ContestPipeline.Payout.StripeEvents;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.Disputes;

/// <summary>
/// Entry-fee charges refunded outside the pipeline freeze the prizes won with them (charge.refunded, dated as Stripe
/// dates the event), and ask for the payment to be read: once Stripe's answer shows it refunded in full, the prizes
/// already paid with it are taken back (<see cref="Funds.VerifyFundsJob"/>), never on the event's word. A
/// charge.dispute.* event only asks for its dispute to be read: <see cref="ReadDisputesJob"/> GETs it from Stripe
/// outside any consume transaction and books the freeze, or its lifting, from what Stripe answers
/// (<see cref="FreezeBookings"/>), never from the event's body, which a forged or replayed webhook could make say
/// "won". What the body said is kept with the request, to be compared with the read. Whose entry fee a payment is comes
/// from payment_intent.succeeded (<see cref="EntryFeePayments"/>).
/// </summary>
public sealed class ChargeEvents : IStripeEventFamily
{
    public IReadOnlyCollection<string> Types { get; } =
    [
        "charge.refunded", "charge.dispute.created", "charge.dispute.updated",
        "charge.dispute.closed", "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated",
    ];

    public Task<string> ApplyAsync(Event stripeEvent, HandlerContext context) => stripeEvent.Type switch
    {
        "charge.refunded" => RefundedAsync(context, stripeEvent, StripeEventReader.Object<Charge>(stripeEvent)),
        _ => DisputeReadAsync(context, stripeEvent),
    };

    private static async Task<string> RefundedAsync(HandlerContext context, Event stripeEvent, Charge charge)
    {
        var paymentIntent = charge.PaymentIntentId;
        if (paymentIntent is null) return "charge without a payment intent";
        // What is refunded of an entry fee counts from Stripe's answer to Payout: the payment is read again.
        await FundsStore.RequestAsync(context, [new PaymentRead(paymentIntent, stripeEvent.Id, null)]);
        if (await RefundStore.ExistsForPaymentAsync(context, paymentIntent)) return "a refund this pipeline made";
        var refunded = charge.AmountRefunded;
        if (refunded <= 0)
            throw new MessageRejectedException(
                $"event {stripeEvent.Id} (charge.refunded): charge {charge.Id} has no amount_refunded");
        return await FreezeBookings.FreezeAsync(context, paymentIntent, Freezes.OfRefund(refunded),
            FreezeCause.Refunded,
            new DateTimeOffset(DateTime.SpecifyKind(stripeEvent.Created, DateTimeKind.Utc)),
            $"the entry fee {paymentIntent} was refunded outside the pipeline ({refunded} of it; the ledger does not " +
            "show it): its prize waits for an operator");
    }

    /// <summary>
    /// Any dispute event asks for the dispute to be read, whatever its body says (a body that is not a dispute at
    /// all claims nothing), and books nothing itself.
    /// </summary>
    private static async Task<string> DisputeReadAsync(HandlerContext context, Event stripeEvent)
    {
        var disputeId = StripeEventReader.ObjectId(stripeEvent)!;
        string[] prefixes = ["dp_", "du_"];
        if (!prefixes.Any(p => disputeId.StartsWith(p, StringComparison.Ordinal)))
            throw new MessageRejectedException(
                $"event {stripeEvent.Id} ({stripeEvent.Type}): data.object.id '{disputeId}' is not a dispute id");
        var claimed = stripeEvent.Data.Object is Dispute body ? DisputeSeen.Of(body).Claim : null;
        await ReadRequestStore.Disputes.RequestAsync(context, disputeId, stripeEvent.Id, claimed: claimed);
        return "dispute read requested";
    }
}
