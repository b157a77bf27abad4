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
/// Learns payments from Stripe's own signed events on <c>stripe.events</c> (forwarded by the
/// webhook receiver after its Stripe-Signature check, signed by producer <c>webhooks</c>):
/// <c>payment_intent.*</c> tell the intent (status, amounts, metadata, charge),
/// <c>charge.refunded</c> how much of its charge was refunded, <c>charge.dispute.*</c> that it
/// is disputed. Facts merge whatever order the events come in; a succeeded intent stays
/// succeeded. Other types are read past. Submissions waiting for these facts are decided by
/// <see cref="Entries.DecideEntriesJob"/>.
/// </summary>
public sealed class StripeEventReceivedHandler(DeploymentEnvironment environment) : IBatchMessageHandler
{
    public string MessageType => StripeEventReceived.MessageType;
    public int SchemaVersionMax => StripeEventReceived.SchemaVersion;

    public Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct) =>
        HandleBatchAsync([message], context, ct);

    /// <summary>
    /// A run of events in two statements: the intents, then the charges, each PaymentIntent's
    /// facts merged first (a statement may change a row once). An event that does not read
    /// throws, and the consume loop applies the run one at a time, dead-lettering just that one.
    /// </summary>
    public async Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context,
        CancellationToken ct)
    {
        var facts = new PaymentFacts();
        foreach (var message in messages) Read(message, facts);
        await PaymentStore.RecordFactsAsync(context, facts);
    }

    private void Read(IncomingMessage message, PaymentFacts facts)
    {
        var e = StripeEventReader.Read(message);
        var type = e.Type;
        var isIntent = type.StartsWith("payment_intent.", StringComparison.Ordinal);
        var isRefund = type == "charge.refunded";
        var isDispute = type.StartsWith("charge.dispute.", StringComparison.Ordinal);
        if (!isIntent && !isRefund && !isDispute) return;
        StripeEventReader.CheckMode(e, environment);
        if (isIntent)
        {
            var intent = StripeEventReader.Object<PaymentIntent>(e);
            // Stripe.net reads a missing field as its default: an intent without its amounts,
            // status or metadata is not one.
            if (StripeAnswers.Problem(intent) is { } field)
                throw new MessageRejectedException(
                    $"event {e.Id} ({type}): data.object is not a readable payment_intent: {field} missing");
            facts.Intent(intent);
            return;
        }
        if (isRefund)
        {
            var charge = StripeEventReader.Object<Charge>(e);
            facts.Charge(charge.PaymentIntentId ?? throw NoPaymentIntent(e), charge.Id, charge.AmountRefunded,
                disputed: false);
        }
        else
        {
            var dispute = StripeEventReader.Object<Dispute>(e);
            facts.Charge(dispute.PaymentIntentId ?? throw NoPaymentIntent(e), dispute.ChargeId, 0, disputed: true);
        }
    }

    private static MessageRejectedException NoPaymentIntent(Event e) =>
        new($"event {e.Id} ({e.Type}): data.object names no payment_intent");
}
