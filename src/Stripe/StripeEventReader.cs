using System.Text.Json;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Stripe;

/// <summary>
/// How every consumer of <c>stripe.events</c> reads an event: the webhook receiver forwards
/// every signed event whatever its shape, so the shape is checked here, once. An event that does
/// not read as Stripe's (a field missing or of the wrong type, named in the reason) is rejected
/// (dead-lettered), and so, critically, is an event of the other mode: a test-mode event in
/// production, a live one anywhere else.
/// </summary>
public static class StripeEventReader
{
    /// <summary>The event the message carries, or a rejection naming what could not be read.</summary>
    public static StripeEvent Read(IncomingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            return StripeEvent.Parse(message.Value ?? []);
        }
        catch (JsonException ex)
        {
            throw new MessageRejectedException($"not a readable Stripe event: {StripeJson.Problem(ex)}");
        }
    }

    /// <summary>
    /// Test money never meets live money: an event of the other mode is rejected with a critical alert.
    /// </summary>
    public static void CheckMode(StripeEvent e, DeploymentEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Livemode == environment.IsLive()) return;
        throw new MessageRejectedException(
            $"event {e.Id} ({e.Type}) is {(e.Livemode ? "live" : "test")}-mode and this worker runs in " +
            $"{DeploymentEnvironments.Name(environment)}: test money never meets live money", AlertSeverities.Critical);
    }

    /// <summary>
    /// A whole number field, or null when absent or not a whole number (never an exception: the event's shape is not
    /// trusted).
    /// </summary>
    public static long? Long(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
        && v.TryGetInt64(out var n) ? n : null;

    /// <summary>A string field, or null when absent or not a string.</summary>
    public static string? Text(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString() : null;
}
