using System.Text.Json;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing;
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
/// The receiver forwards every signed event whatever its shape; the shape is checked here: an
/// event that does not read as Stripe's (a field missing or of the wrong type, named in the
/// reason) is dead-lettered, and so, critically, is an event of the other mode (a test-mode
/// event in production, a live one anywhere else).
/// </summary>
public sealed class StripeEventReceivedHandler : IMessageHandler
{
    private readonly Dictionary<string, IStripeEventFamily> _byType = new(StringComparer.Ordinal);
    private readonly DeploymentEnvironment _environment;

    public StripeEventReceivedHandler(IEnumerable<IStripeEventFamily> families, DeploymentEnvironment environment)
    {
        _environment = environment;
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
            throw new MessageRejectedException($"not a readable Stripe event: {StripeJson.Problem(ex)}");
        }
        if (e.Livemode != _environment.IsLive())
            throw new MessageRejectedException(
                $"event {e.Id} ({e.Type}) is {(e.Livemode ? "live" : "test")}-mode and this worker runs in {DeploymentEnvironments.Name(_environment)}: " +
                "test money never meets live money", AlertSeverities.Critical);
        if (!_byType.TryGetValue(e.Type, out var family))
        {
            // Not one Payout acts on: kept as seen, whatever its object looks like.
            await PayoutStore.RecordStripeEventAsync(context, e, StripeEvents.Text(e.Data.Object, "id") ?? "", "not handled");
            return;
        }
        var objectId = StripeEvents.Text(e.Data.Object, "id") ?? throw new MessageRejectedException($"event {e.Id} ({e.Type}): data.object has no id");
        await PayoutStore.RecordStripeEventAsync(context, e, objectId, await family.HandleAsync(e, context));
    }

    public static StripeEventReceivedHandler WithEveryFamily(DeploymentEnvironment environment) =>
        new([new StripeTransferEvents(), new StripeAccountEvents(), new StripeChargeEvents(), new StripeBankPayoutEvents()], environment);
}

/// <summary>Reading an event's object.</summary>
public static class StripeEvents
{
    /// <summary>A whole number field, or null when absent or not a whole number (never an exception: the event's shape is not trusted).</summary>
    public static long? Long(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    public static string? Text(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
