using System.Text;
using System.Text.Json;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>
/// A Stripe event the webhook receiver forwarded: its type, object and when it arrived. Its
/// body is Stripe's JSON; what is read here is read leniently (Payout is the one that must
/// understand it), and an unreadable one is recorded by its type header alone.
/// </summary>
public sealed class StripeEventReceivedHandler : IMessageHandler
{
    public string MessageType => StripeEventReceived.MessageType;
    public int SchemaVersionMax => StripeEventReceived.SchemaVersion;

    public Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        string? Header(string name) => message.Headers.LastOrDefault(h => h.Name == name) is { Value: { } v }
            ? Encoding.UTF8.GetString(v) : null;
        var type = Header(StripeEventReceived.EventTypeHeader) ?? "unknown";
        string? objectId = null;
        try
        {
            using var doc = JsonDocument.Parse(message.Value ?? []);
            if (doc.RootElement.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String)
                type = t.GetString()!;
            if (doc.RootElement.TryGetProperty("data", out var data) && data.TryGetProperty("object", out var obj)
                && obj.ValueKind == JsonValueKind.Object
                && obj.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
                objectId = id.GetString();
        }
        catch (JsonException)
        {
            // Recorded by its headers; Payout dead-letters it with the reason.
        }
        return StripeEventStore.ReceivedAsync(context, message.Envelope.MessageId, type, objectId,
            Header(StripeEventReceived.AccountHeader),
            message.Envelope.OccurredAt);
    }
}
