using System.Text.Json.Nodes;
using ContestPipeline.Stripe;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// Every event the account ever made, in order, each handed to the webhook dispatcher as it is made. Called under
/// the state's lock.
/// </summary>
internal sealed class EventLog(StripeClock clock, ObjectIds ids, WebhookDispatcher webhooks)
{
    private readonly List<EventRecord> _events = [];

    /// <summary>
    /// An event about <paramref name="obj"/> as it is now; <paramref name="account"/> names the connected account
    /// it happened on, <paramref name="previous"/> is Stripe's previous_attributes, and <paramref name="call"/> the
    /// request that caused it (null for what happened by itself, as a payment or a dispute does).
    /// </summary>
    public EventRecord Emit(string type, JsonObject obj, string? account, JsonObject? previous, ApiCall? call)
    {
        var data = new JsonObject { ["object"] = obj };
        if (previous is not null) data["previous_attributes"] = previous;
        var id = ids.New("evt_");
        var created = clock.Now;
        var json = new JsonObject { ["id"] = id, ["object"] = "event" };
        if (account is not null) json["account"] = account;
        json["api_version"] = StripeSettings.ApiVersion;
        json["created"] = created;
        json["data"] = data;
        json["livemode"] = false;
        json["pending_webhooks"] = webhooks.Endpoint is null ? 0 : 1;
        json["request"] = new JsonObject { ["id"] = call?.RequestId, ["idempotency_key"] = call?.IdempotencyKey };
        json["type"] = type;
        var record = new EventRecord(id, type, account, obj["id"]!.GetValue<string>(), created, Json.Bytes(json));
        _events.Add(record);
        webhooks.Publish(record);
        return record;
    }

    /// <summary>Emits <paramref name="type"/> if the object changed, with the old value of what did.</summary>
    public void EmitIfChanged(string type, JsonObject before, JsonObject after, string? account, ApiCall? call)
    {
        var changed = Changed(before, after);
        if (changed.Count > 0) Emit(type, after, account, changed, call);
    }

    /// <summary>Stripe's previous_attributes: the old value of every top-level field that changed.</summary>
    public static JsonObject Changed(JsonObject before, JsonObject after)
    {
        var changed = new JsonObject();
        foreach (var (name, value) in before)
            if (!JsonNode.DeepEquals(value, after[name])) changed[name] = value?.DeepClone();
        return changed;
    }

    private static readonly Listing<EventRecord> Listed =
        new("/v1/events", "event", e => e.Id, e => e.Created, e => JsonNode.Parse(e.Payload)!);

    /// <summary>
    /// GET /v1/events: of one type or several (type, types[]), newest first; with Stripe-Account, only those that
    /// happened on that connected account.
    /// </summary>
    public JsonObject List(ApiCall call)
    {
        var p = call.Params.ExpectList("type", "types");
        var type = p.Text("type");
        var types = p.List("types");
        return Listed.Page(_events, p, e => (type is null || e.Type == type)
            && (types.Count == 0 || types.Contains(e.Type)) && (call.Account is null || e.Account == call.Account));
    }

    /// <summary>GET /v1/events/{id}</summary>
    public JsonObject Get(string id, ApiCall call)
    {
        call.Params.Expect();
        var record = _events.Find(e => e.Id == id && (call.Account is null || e.Account == call.Account))
            ?? throw ApiError.Missing("event", id);
        return JsonNode.Parse(record.Payload)!.AsObject();
    }

    public EventRecord Find(string eventId) =>
        _events.Find(e => e.Id == eventId) ?? throw new KeyNotFoundException($"no event {eventId}");

    public IReadOnlyList<RecordedEvent> Recorded() =>
        [.. _events.Select(e => new RecordedEvent(e.Id, e.Type, e.Account, e.ObjectId, e.Created))];
}
