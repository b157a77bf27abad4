using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// The pieces of Stripe's JSON that objects share. Each object writes its own shape out field by
/// field (its ToJson), apart from the client's records, so a field the client misreads shows up
/// as a failing test instead of agreeing with itself.
/// </summary>
internal static class Json
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>A body as Stripe sends it: indented UTF-8.</summary>
    public static byte[] Bytes(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, Indented);

    public static JsonObject Metadata(IReadOnlyDictionary<string, string> metadata) =>
        new(metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));

    public static JsonArray Array(IEnumerable<JsonNode> items) => new(items.ToArray<JsonNode?>());

    public static JsonArray Strings(IEnumerable<string> items) => new(items.Select(s => (JsonNode?)s).ToArray());

    public static JsonObject List(string url, IEnumerable<JsonNode> items, bool hasMore) => new()
    {
        ["object"] = "list",
        ["data"] = Array(items),
        ["has_more"] = hasMore,
        ["url"] = url,
    };
}
