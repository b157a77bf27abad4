using System.Text.Json;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Ingestion.Store;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Ingestion.Handlers;

/// <summary>
/// Learns payments from Stripe's own signed events on <c>stripe.events</c> (forwarded by the
/// webhook receiver after its Stripe-Signature check, signed by producer <c>webhooks</c>):
/// <c>payment_intent.*</c> tell the intent (status, amounts, metadata, charge),
/// <c>charge.refunded</c> how much of its charge was refunded, <c>charge.dispute.*</c> that it
/// is disputed. Facts merge whatever order the events come in; a succeeded intent stays
/// succeeded. Other types are read past. Submissions waiting for these facts are decided by
/// <see cref="Jobs.DecideEntriesJob"/>.
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
    public async Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context, CancellationToken ct)
    {
        var facts = new PaymentFacts();
        foreach (var message in messages) Read(message, facts);
        await SubmissionStore.RecordFactsAsync(context, facts);
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
        var o = e.Data.Object;
        if (isIntent)
        {
            StripePaymentIntent intent;
            try
            {
                intent = o.Deserialize<StripePaymentIntent>(StripeJson.Options) ?? throw new JsonException("data.object is null");
            }
            catch (JsonException ex)
            {
                throw new MessageRejectedException(
                    $"event {e.Id} ({type}): data.object is not a readable payment_intent: {StripeJson.Problem(ex)}");
            }
            facts.Intent(intent);
            return;
        }
        var paymentIntentId = StripeEventReader.Text(o, "payment_intent")
            ?? throw new MessageRejectedException($"event {e.Id} ({type}): data.object names no payment_intent");
        if (isRefund)
            facts.Charge(paymentIntentId, StripeEventReader.Text(o, "id"), StripeEventReader.Long(o, "amount_refunded") ?? 0,
                disputed: false);
        else facts.Charge(paymentIntentId, StripeEventReader.Text(o, "charge"), 0, disputed: true);
    }
}
