using System.Text;
using System.Text.Json;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using Stripe;

namespace ContestPipeline.Stripe;

/// <summary>
/// How every reader of Stripe's events reads one (the webhook receiver, and every consumer of
/// <c>stripe.events</c>): as Stripe.net's <see cref="Event"/>, whatever API version it was sent in
/// (Stripe sends an endpoint's events in the version the endpoint was made with, and events of an
/// older one may wait on the topic or in its dead letters), with its data.object typed by its
/// "object" (a <see cref="Transfer"/>, an <see cref="global::Stripe.Account"/>, ...). Stripe.net reads
/// leniently, so the envelope the pipeline relies on is checked first: an event without an id, a
/// type, a created time, its mode or a data.object is unreadable, naming the field, and so is one
/// Stripe.net cannot read. A consumer rejects (dead-letters) such an event, and, critically, one of
/// the other mode: a test-mode event in production, a live one anywhere else.
/// </summary>
public static class StripeEventReader
{
    /// <summary>The event the message carries, or a rejection naming what could not be read.</summary>
    public static Event Read(IncomingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return TryParse(message.Value ?? [], out var e, out var problem)
            ? e
            : throw new MessageRejectedException($"not a readable Stripe event: {problem}");
    }

    /// <summary>The event, or false with one line naming what could not be read and where.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out Event e, out string problem)
    {
        e = null!;
        string json;
        try
        {
            json = new UTF8Encoding(false, true).GetString(body);
            using var document = JsonDocument.Parse(json);
            if (EnvelopeProblem(document.RootElement) is { } missing) return Fail(missing, out problem);
        }
        catch (Exception ex) when (ex is JsonException or DecoderFallbackException)
        {
            return Fail("not JSON: " + ex.Message, out problem);
        }
        try
        {
            // An event keeps the API version it was sent in; Stripe.net reads it whatever that is.
            e = EventUtility.ParseEvent(json, throwOnApiVersionMismatch: false);
        }
        catch (Exception ex) when (
            ex is JsonException or StripeException or FormatException or InvalidOperationException)
        {
            return Fail("Stripe.net cannot read it: " + ex.Message, out problem);
        }
        problem = "";
        return true;
    }

    /// <summary>
    /// Test money never meets live money: an event of the other mode is rejected with a critical alert.
    /// </summary>
    public static void CheckMode(Event e, DeploymentEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Livemode == environment.IsLive()) return;
        throw new MessageRejectedException(
            $"event {e.Id} ({e.Type}) is {(e.Livemode ? "live" : "test")}-mode and this worker runs in " +
            $"{DeploymentEnvironments.Name(environment)}: test money never meets live money", AlertSeverities.Critical);
    }

    /// <summary>
    /// The id of the object the event is about (data.object.id), whatever its type; null when it has none.
    /// </summary>
    public static string? ObjectId(Event e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Data?.Object is IHasId { Id: { Length: > 0 } id }) return id;
        return e.Data?.Object is StripeEntity { RawJsonElement: { } raw } ? Text(raw, "id") : null;
    }

    /// <summary>
    /// data.object as <typeparamref name="T"/>, or a rejection naming the event when it is some other object.
    /// </summary>
    public static T Object<T>(Event e) where T : class
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Data?.Object as T ?? throw new MessageRejectedException(
            $"event {e.Id} ({e.Type}): data.object is not a {typeof(T).Name} but " +
            $"{e.Data?.Object?.GetType().Name ?? "nothing readable"}");
    }

    /// <summary>
    /// What an event's envelope says, read leniently for those that pass Stripe's bytes on without judging
    /// them (the webhook receiver) or only record that they came (the read model): its id and type
    /// (required), data.object.id, the connected account, when it was created and its mode, each null when
    /// absent or not of its JSON kind. Whether the event is usable is <see cref="TryParse"/>'s to say.
    /// </summary>
    public sealed record Envelope(string Id, string Type, string? ObjectId, string? Account, DateTimeOffset? Created,
        bool? Livemode);

    /// <summary>The event's envelope, or false with one line naming what is missing.</summary>
    public static bool TryReadEnvelope(ReadOnlySpan<byte> body, out Envelope envelope, out string problem)
    {
        envelope = null!;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException x)
        {
            return Fail("not JSON: " + x.Message, out problem);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Fail("not a JSON object", out problem);
            if (Text(root, "id") is not { } id) return Fail("no id", out problem);
            if (Text(root, "type") is not { } type) return Fail("no type", out problem);
            var objectId = root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                && data.TryGetProperty("object", out var obj) ? Text(obj, "id") : null;
            DateTimeOffset? created = root.TryGetProperty("created", out var time)
                && time.ValueKind == JsonValueKind.Number && time.TryGetInt64(out var unix)
                && unix >= 0 && unix <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
                ? DateTimeOffset.FromUnixTimeSeconds(unix) : null;
            bool? livemode = root.TryGetProperty("livemode", out var mode)
                && mode.ValueKind is JsonValueKind.True or JsonValueKind.False ? mode.GetBoolean() : null;
            envelope = new Envelope(id, type, objectId, Text(root, "account"), created, livemode);
            problem = "";
            return true;
        }
    }

    /// <summary>
    /// The envelope's fields the pipeline relies on, each of its JSON kind; the first one missing, or null.
    /// </summary>
    private static string? EnvelopeProblem(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) return "$: not a JSON object";
        if (Text(root, "id") is null) return "$.id: missing or not a string";
        if (Text(root, "type") is null) return "$.type: missing or not a string";
        if (!root.TryGetProperty("created", out var created) || created.ValueKind != JsonValueKind.Number
            || !created.TryGetInt64(out _)) return "$.created: missing or not a whole number";
        if (!root.TryGetProperty("livemode", out var mode)
            || mode.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            return "$.livemode: missing or not true/false";
        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
            || !data.TryGetProperty("object", out var obj) || obj.ValueKind != JsonValueKind.Object)
            return "$.data.object: missing or not an object";
        return null;
    }

    private static string? Text(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v)
            && v.ValueKind == JsonValueKind.String
        && !string.IsNullOrWhiteSpace(v.GetString()) ? v.GetString() : null;

    private static bool Fail(string why, out string problem)
    {
        problem = why;
        return false;
    }
}
