using Charge = Stripe.Charge;
using Dispute = Stripe.Dispute;
using Event = Stripe.Event;
using PaymentIntent = Stripe.PaymentIntent;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Ingestion.Payments;

/// <summary>
/// Hears of payments from Stripe's events on <c>stripe.events</c> (forwarded by the webhook receiver after its
/// Stripe-Signature check, signed by producer <c>webhooks</c>), and takes from them only which PaymentIntent to look
/// up: <c>payment_intent.*</c> name the intent (and when it was made, where a list may find it),
/// <c>charge.refunded</c> and <c>charge.dispute.*</c> the intent of their charge. The status, amounts, currency,
/// metadata, refunds and disputes come from Stripe's answer to Ingestion (<see cref="LookUpPaymentsJob"/>), never
/// from the event's body: whoever holds the receiver's key can say "look now", and nothing more. Other types are
/// read past.
/// </summary>
public sealed class StripeEventReceivedHandler(DeploymentEnvironment environment) : IBatchMessageHandler
{
    public string MessageType => StripeEventReceived.MessageType;
    public int SchemaVersionMax => StripeEventReceived.SchemaVersion;

    public Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct) =>
        HandleBatchAsync([message], context, ct);

    /// <summary>
    /// A run of events in one statement, one question per PaymentIntent (a statement may change a row once). An
    /// event that does not read throws, and the consume loop applies the run one at a time, dead-lettering just it.
    /// </summary>
    public async Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context,
        CancellationToken ct)
    {
        var questions = new Dictionary<string, PaymentLookupStore.Question>(StringComparer.Ordinal);
        foreach (var message in messages)
        {
            if (Read(message) is not { } q) continue;
            questions[q.PaymentIntentId] = questions.TryGetValue(q.PaymentIntentId, out var seen)
                ? new(q.PaymentIntentId, q.Created ?? seen.Created, q.OnlyIfUnpaid && seen.OnlyIfUnpaid)
                : q;
        }
        if (questions.Count > 0) await PaymentLookupStore.AskAsync(context, [.. questions.Values]);
    }

    private PaymentLookupStore.Question? Read(IncomingMessage message)
    {
        var e = StripeEventReader.Read(message);
        var type = e.Type;
        var isIntent = type.StartsWith("payment_intent.", StringComparison.Ordinal);
        var isRefund = type == "charge.refunded";
        var isDispute = type.StartsWith("charge.dispute.", StringComparison.Ordinal);
        if (!isIntent && !isRefund && !isDispute) return null;
        StripeEventReader.CheckMode(e, environment);
        if (isIntent)
        {
            var intent = StripeEventReader.Object<PaymentIntent>(e);
            if (string.IsNullOrEmpty(intent.Id))
                throw new MessageRejectedException($"event {e.Id} ({type}): data.object names no payment_intent");
            // Only where to look: a time that is not the intent's makes the list miss it, and a GET reads it.
            return new(intent.Id, PaymentReader.CreatedAt(intent), OnlyIfUnpaid: true);
        }
        var paymentIntentId = isRefund
            ? StripeEventReader.Object<Charge>(e).PaymentIntentId
            : StripeEventReader.Object<Dispute>(e).PaymentIntentId;
        return new(paymentIntentId ?? throw NoPaymentIntent(e), null, OnlyIfUnpaid: false);
    }

    private static MessageRejectedException NoPaymentIntent(Event e) =>
        new($"event {e.Id} ({e.Type}): data.object names no payment_intent");
}
