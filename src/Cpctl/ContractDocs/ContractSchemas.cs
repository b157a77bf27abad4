using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules;

namespace ContestPipeline.Cpctl.ContractDocs;

/// <summary>
/// One JSON Schema per message type and version, exported by System.Text.Json from the record
/// with the options the pipeline writes and reads bodies with (<see cref="OutgoingMessage.Json"/>:
/// camelCase, required constructor fields, nullability), then annotated with the units, ranges
/// and formats the topic pages state, by field name (<see cref="Annotations"/>).
/// </summary>
/// <remarks>
/// The schema says what a producer must send, which is a little stricter than what a reader
/// tolerates: readers also take a number written as a string and property names in any letter
/// case (docs/topics/README.md, "Bodies": "do not rely on it"); the schema asks for numbers and
/// camelCase. Unknown properties are allowed, as readers ignore them (additive changes).
/// </remarks>
public static class ContractSchemas
{
    public const string Draft = "http://json-schema.org/draft-07/schema#";

    private const long Int64Min = long.MinValue;
    private const long Int64Max = long.MaxValue;

    /// <summary>
    /// A field annotation: applied to the field's schema, or to its items when it is a list (unless <see
    /// cref="Whole"/>).
    /// </summary>
    private sealed record Annotation(string Unit, string Description, Action<JsonObject> Apply, bool Whole = false);

    /// <summary>
    /// The annotations, first match wins: an exact "Type.field", then an exact field name, then
    /// a field-name suffix (units last: docs/topics/README.md, "Units").
    /// </summary>
    private static readonly (string Match, Annotation Annotation)[] Annotations =
    [
        ("GameScheduled.athleteIds", new("", "Everyone who can score in the game: distinct ids.", o =>
        {
            o["minItems"] = 1;
            o["maxItems"] = IngestionLimits.GameRosterAthletesMax;
            o["uniqueItems"] = true;
            Length(o["items"]!.AsObject(), 1, IngestionLimits.AthleteIdLengthMax);
        }, Whole: true)),
        ("StatUpdated.value", new("",
            "Cumulative total of the stat for the athlete in this game so far, never a delta.",
            o => Range(o, 0, Stats.ValueMax))),
        ("StatCorrected.value", new("", "Corrected cumulative total of the stat for the athlete in this game.",
            o => Range(o, 0, Stats.ValueMax))),
        ("GamePostponed.reason", new("", "Why, for people: at most 500 characters.",
            o => o["maxLength"] = IngestionLimits.FeedReasonLengthMax)),
        ("GameSuspended.reason", new("", "Why, for people: at most 500 characters.",
            o => o["maxLength"] = IngestionLimits.FeedReasonLengthMax)),
        ("GameCancelled.reason", new("", "Why, for people: at most 500 characters.",
            o => o["maxLength"] = IngestionLimits.FeedReasonLengthMax)),
        ("ContestDefined.unfinishedGames", new("",
            "The rule for a covered game cancelled or not final by the slate's end (docs/topics/contests.md); " +
            "null: score_as_played.",
            o => o["enum"] = new JsonArray(
                [.. UnfinishedGameRules.All.Order(StringComparer.Ordinal).Select(r => (JsonNode)r), null]))),
        ("=gameId", new("", "The game; equal to the key on provider.feed and games.",
            o => Length(o, 1, IngestionLimits.GameIdLengthMax))),
        ("=athleteId", new("", "An athlete (for a fitness challenge, a player) on the game's roster.",
            o => Length(o, 1, IngestionLimits.AthleteIdLengthMax))),
        ("=sequence", new("", "The provider's per-game sequence number: 1, 2, 3 ... without gaps.",
            o => Range(o, 1, Int64Max))),
        ("=stat", new("", "A stat name the provider reports (docs/topics/provider.feed.md, \"Stat values\").",
            o => o["enum"] = new JsonArray([.. Stats.Known.Order(StringComparer.Ordinal).Select(s => (JsonNode)s)]))),
        ("=currency", new("", "ISO 4217 currency code, upper case (USD, EUR, GBP, CAD, AUD).",
            o => o["pattern"] = "^[A-Z]{3}$")),
        ("Minor", new("minor units", "Integer minor units (cents) of the currency named beside it; int64.",
            o => Range(o, Int64Min, Int64Max))),
        ("Bp", new("basis points", "Basis points: 10,000 bp = 100%.", o => Range(o, 0, BasisPoints.Whole))),
        ("Ppb", new("parts per billion", "Parts per billion: 1,000,000,000 = the whole pool.",
            o => Range(o, 0, PrizePlace.SharePpbWhole))),
        ("Milli", new("thousandths of a point", "Thousandths of a point: 31480 is 31.48 points; int64.",
            o => Range(o, Int64Min, Int64Max))),
        ("Minutes", new("minutes", "Minutes.", _ => { })),
        ("At", new("", "ISO 8601 with an offset; writers emit UTC, e.g. 2026-11-22T18:00:00+00:00.", o =>
        {
            // An optional timestamp (a parameter with a default) reaches here without its type.
            if (o["type"] is not null) return;
            o["type"] = new JsonArray("string", "null");
            o["format"] = "date-time";
        })),
        ("Id", new("", "An id: at least one character.", o => o["minLength"] = 1)),
        ("Ids", new("", "Ids: each at least one character.", o => o["minLength"] = 1)),
    ];

    /// <summary>The schema of <paramref name="message"/>, as written to docs/contracts/schemas.</summary>
    public static JsonObject For(MessageContract message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var body = message.Record is null ? StripeEvent() : Export(message.Record);
        var schema = new JsonObject
        {
            ["$schema"] = Draft,
            ["title"] = $"{message.Type} (schema version {message.Version})",
        };
        foreach (var (name, value) in body) schema[name] = value?.DeepClone();
        return schema;
    }

    /// <summary>
    /// The pipeline's own options, copied with the default resolver (the exporter needs one set; serializing sets it
    /// the same way).
    /// </summary>
    private static readonly JsonSerializerOptions Options = new(OutgoingMessage.Json)
    {
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    private static JsonObject Export(Type record)
    {
        // Lists and dictionaries of non-null elements: reflection cannot see a generic argument's nullability,
        // and the topic pages say null is unreadable wherever a field is not marked "or null".
        var options = new JsonSchemaExporterOptions
        {
            TransformSchemaNode = Transform, TreatNullObliviousAsNonNullable = true,
        };
        var node = Options.GetJsonSchemaAsNode(record, options).AsObject();
        Inline(node, node);
        Annotate(record.Name, node);
        return node;
    }

    /// <summary>
    /// A type met twice in one message (an operator's seal in a guarantee and in a make-good) is exported the second
    /// time as a <c>$ref</c> into the first, relative to the message's schema; the AsyncAPI document holds the schema
    /// under its components, where that pointer names nothing. So each is replaced by a copy of what it points to.
    /// </summary>
    private static void Inline(JsonObject root, JsonNode? node)
    {
        if (node is JsonArray array)
        {
            foreach (var item in array) Inline(root, item);
            return;
        }
        if (node is not JsonObject o) return;
        foreach (var (name, value) in o.ToArray())
        {
            if (value is JsonObject { Count: 1 } reference && reference["$ref"] is JsonValue to
                && to.GetValue<string>() is { } pointer && pointer.StartsWith("#/", StringComparison.Ordinal))
            {
                var target = pointer[2..].Split('/').Aggregate((JsonNode?)root, (at, part) =>
                    at?[part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)])
                    ?? throw new InvalidOperationException($"schema reference {pointer} names nothing");
                o[name] = target.DeepClone();
            }
            Inline(root, o[name]);
        }
    }

    /// <summary>
    /// Timestamps are read by the pipeline's own converter, which the exporter cannot see into;
    /// numbers are asked for as numbers only (see the remarks above).
    /// </summary>
    private static JsonNode Transform(JsonSchemaExporterContext context, JsonNode node)
    {
        var type = Nullable.GetUnderlyingType(context.TypeInfo.Type) ?? context.TypeInfo.Type;
        if (type == typeof(DateTimeOffset))
        {
            var nullable = context.TypeInfo.Type != type;
            return new JsonObject
            {
                ["type"] = nullable ? new JsonArray("string", "null") : "string", ["format"] = "date-time",
            };
        }
        if (node is JsonObject o && o["type"] is JsonArray kinds && kinds.Any(k => (string?)k == "integer") &&
            kinds.Any(k => (string?)k == "string"))
        {
            var rest = kinds.Select(k => (string)k!).Where(k => k != "string").ToArray();
            o["type"] = rest.Length == 1 ? rest[0] : new JsonArray([.. rest.Select(k => (JsonNode)k)]);
            o.Remove("pattern");
        }
        return node;
    }

    /// <summary>
    /// Walks every object's properties (nested records and lists of them too) and applies the first matching
    /// annotation.
    /// </summary>
    private static void Annotate(string typeName, JsonObject node)
    {
        if (node["properties"] is JsonObject properties)
        {
            foreach (var (name, value) in properties.ToArray())
            {
                if (value is not JsonObject field) continue;
                var match = Annotations.FirstOrDefault(a => Matches(a.Match, typeName, name));
                if (match.Annotation is { } annotation)
                {
                    var target = !annotation.Whole && IsList(field) && field["items"] is JsonObject items
                        ? items
                        : field;
                    annotation.Apply(target);
                    field["description"] = annotation.Description;
                    if (annotation.Unit.Length > 0) field["x-unit"] = annotation.Unit;
                }
                Annotate(typeName, field);
            }
        }
        if (node["items"] is JsonObject element) Annotate(typeName, element);
        if (node["additionalProperties"] is JsonObject values) Annotate(typeName, values);
    }

    private static bool Matches(string match, string typeName, string field) =>
        match.Contains('.', StringComparison.Ordinal) ? match == typeName + "." + field
        : match.StartsWith('=') ? field == match[1..]
        : field.EndsWith(match, StringComparison.Ordinal) && field.Length > match.Length
            || match == "At" && field == "at";

    private static bool IsList(JsonObject field) =>
        field["type"] is JsonValue v && (string?)v == "array"
            || field["type"] is JsonArray a && a.Any(k => (string?)k == "array");

    private static void Range(JsonObject o, long min, long max)
    {
        o["minimum"] = min;
        o["maximum"] = max;
    }

    private static void Length(JsonObject o, int min, int max)
    {
        o["minLength"] = min;
        o["maxLength"] = max;
    }

    /// <summary>
    /// StripeEventReceived's body is Stripe's event JSON as Stripe sent it, not a record of ours;
    /// the receiver forwards any correctly signed object with an id and a type (docs/topics/stripe.events.md).
    /// </summary>
    private static JsonObject StripeEvent() => new()
    {
        ["description"] = "A Stripe event, byte for byte as Stripe sent it " +
            "(https://docs.stripe.com/api/events/object). Only id and type are guaranteed; consumers check the rest.",
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            ["id"] = new JsonObject
            {
                ["type"] = "string", ["pattern"] = "^evt_", ["description"] = "Stripe's event id; also the message id.",
            },
            ["type"] = new JsonObject
            {
                ["type"] = "string", ["minLength"] = 1, ["description"] = "Stripe's event type, e.g. transfer.created.",
            },
        },
        ["required"] = new JsonArray("id", "type"),
    };

    /// <summary>Indented JSON with a final newline, as the files are written.</summary>
    public static string Text(JsonNode node) =>
        node.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }) + "\n";
}
