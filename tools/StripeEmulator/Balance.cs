using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

internal sealed class Balance
{
    public Dictionary<string, long> Available { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, long> Pending { get; } = new(StringComparer.Ordinal);

    public long AvailableIn(string currency) => Available.GetValueOrDefault(currency);

    public void Add(Dictionary<string, long> side, string currency, long amount) =>
        side[currency] = checked(side.GetValueOrDefault(currency) + amount);

    public JsonObject ToJson()
    {
        var currencies = Available.Keys.Union(Pending.Keys).Order(StringComparer.Ordinal).DefaultIfEmpty("usd")
            .ToList();
        JsonNode Amounts(Dictionary<string, long> side) => Json.Array(currencies.Select(c => (JsonNode)new JsonObject
        {
            ["amount"] = side.GetValueOrDefault(c),
            ["currency"] = c,
            ["source_types"] = new JsonObject { ["card"] = side.GetValueOrDefault(c) },
        }));
        return new JsonObject
        {
            ["object"] = "balance",
            ["available"] = Amounts(Available),
            ["pending"] = Amounts(Pending),
            ["livemode"] = false,
        };
    }
}
