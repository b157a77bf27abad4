using System.Text;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Operations.StripeEvents;

/// <summary>
/// A Stripe event the webhook receiver forwarded: its type, object and when it arrived. Its
/// body is Stripe's JSON; only its envelope is read here (Payout is the one that must
/// understand it), and an unreadable one is recorded by its type header alone. One comes for
/// every entry, most in the minutes before a lock: a run of them is one statement.
/// </summary>
public sealed class StripeEventReceivedHandler : IBatchMessageHandler
{
    public string MessageType => StripeEventReceived.MessageType;
    public int SchemaVersionMax => StripeEventReceived.SchemaVersion;

    public Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct) =>
        StripeEventStore.ReceivedAsync(context, [Read(message)]);

    public Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context,
        CancellationToken ct) =>
        StripeEventStore.ReceivedAsync(context, [.. messages.Select(Read)]);

    private static StripeEventStore.Received Read(IncomingMessage message)
    {
        string? Header(string name) => message.Headers.LastOrDefault(h => h.Name == name) is { Value: { } v }
            ? Encoding.UTF8.GetString(v) : null;
        var type = Header(StripeEventReceived.EventTypeHeader) ?? "unknown";
        string? objectId = null;
        // An unreadable one is recorded by its headers; Payout dead-letters it with the reason.
        if (StripeEventReader.TryReadEnvelope(message.Value ?? [], out var envelope, out _))
        {
            type = envelope.Type;
            objectId = envelope.ObjectId;
        }
        return new(message.Envelope.MessageId, type, objectId, Header(StripeEventReceived.AccountHeader),
            message.Envelope.OccurredAt);
    }
}
