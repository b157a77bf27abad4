using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

/// <summary>Stripe's list envelope over objects newest first: limit and starting_after.</summary>
internal static class Listing
{
    public static JsonObject Page<T>(string url, IEnumerable<T> newestFirst, Func<T, string> id,
        Func<T, JsonNode> json, ApiParams p, string kind)
    {
        var limit = p.Limit();
        var items = newestFirst.ToList();
        if (p.Text("starting_after") is { } after)
        {
            var index = items.FindIndex(i => id(i) == after);
            if (index < 0) throw ApiError.Missing(kind, after, "starting_after");
            items = items.Skip(index + 1).ToList();
        }
        return Json.List(url, items.Take(limit).Select(json), hasMore: items.Count > limit);
    }
}
