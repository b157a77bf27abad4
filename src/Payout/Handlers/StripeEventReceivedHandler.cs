using System.Text.Json;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.Handlers;

/// <summary>One family of Stripe's event types, handled in the consume transaction without calling Stripe.</summary>
public interface IStripeEventFamily
{
    IReadOnlyCollection<string> Types { get; }

    /// <summary>Applies the event; returns what was made of it, kept in payout.stripe_events.</summary>
    Task<string> HandleAsync(StripeEvent e, HandlerContext context);
}

/// <summary>
/// Stripe's events from <c>stripe.events</c>, each applied once (the inbox keys them by event
/// id) and in any order, by the family its type belongs to: transfers, accounts, charges
/// (refunds and disputes of entry fees), winners' bank payouts. A type no family takes is
/// recorded as not handled. What was made of each event is kept in payout.stripe_events.
/// </summary>
public sealed class StripeEventReceivedHandler : IMessageHandler
{
    private readonly Dictionary<string, IStripeEventFamily> _byType = new(StringComparer.Ordinal);

    public StripeEventReceivedHandler(IEnumerable<IStripeEventFamily> families)
    {
        foreach (var family in families)
            foreach (var type in family.Types)
                _byType.Add(type, family);
    }

    public string MessageType => StripeEventReceived.MessageType;
    public int SchemaVersionMax => StripeEventReceived.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        StripeEvent e;
        try
        {
            e = StripeEvent.Parse(message.Value ?? []);
        }
        catch (JsonException ex)
        {
            throw new MessageRejectedException($"not a readable Stripe event: {ex.Message}");
        }
        var objectId = StripeEvents.Text(e.Data.Object, "id") ?? throw new MessageRejectedException($"event {e.Id} ({e.Type}): data.object has no id");
        var outcome = _byType.TryGetValue(e.Type, out var family) ? await family.HandleAsync(e, context) : "not handled";
        await PayoutStore.RecordStripeEventAsync(context, e, objectId, outcome);
    }

    public static StripeEventReceivedHandler WithEveryFamily() =>
        new([new StripeTransferEvents(), new StripeAccountEvents(), new StripeChargeEvents(), new StripeBankPayoutEvents()]);
}

/// <summary>Reading an event's object.</summary>
public static class StripeEvents
{
    public static T Read<T>(StripeEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        try
        {
            return e.Data.Object.Deserialize<T>(StripeJson.Options) ?? throw new JsonException("null object");
        }
        catch (JsonException ex)
        {
            throw new MessageRejectedException($"event {e.Id} ({e.Type}): data.object is not a {typeof(T).Name}: {ex.Message}");
        }
    }

    public static string? Text(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
