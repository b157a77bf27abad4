using System.Text.Json.Nodes;
using ContestPipeline.Stripe;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// Stripe's list of one kind of object, newest first as Stripe lists: <c>limit</c> (1 to 100, 10 unless given), a
/// cursor either way (<c>starting_after</c>: the page of older objects after it; <c>ending_before</c>: the page of
/// newer objects nearest it) and <c>created</c> (exact, or [gt], [gte], [lt], [lte]), with the endpoint's own
/// filters. A cursor is placed among every object of the kind, whatever the filters keep; one Stripe does not know
/// is its 404. <c>has_more</c> says whether more match beyond the page, in the direction read.
/// </summary>
internal sealed class Listing<T>(string url, string kind, Func<T, string> id, Func<T, long> created,
    Func<T, JsonNode> json)
{
    /// <summary>
    /// A page of <paramref name="oldestFirst"/> (the objects in the order made) of those <paramref name="filter"/>
    /// keeps.
    /// </summary>
    public JsonObject Page(IReadOnlyList<T> oldestFirst, ApiParams p, Func<T, bool>? filter = null)
    {
        var limit = p.Limit();
        var range = p.Created();
        var after = p.Text("starting_after");
        var before = p.Text("ending_before");
        if (after is not null && before is not null)
            throw new ApiError(400, StripeErrorTypes.InvalidRequestError,
                "You may only specify one of these parameters: ending_before, starting_after.", param: "ending_before",
                beforeExecution: true);
        var newestFirst = oldestFirst.Reverse().ToList();
        var from = after is null ? 0 : Position(newestFirst, after, "starting_after") + 1;
        var to = before is null ? newestFirst.Count : Position(newestFirst, before, "ending_before");
        var matching = newestFirst.Take(to).Skip(from)
            .Where(o => range.Contains(created(o)) && (filter is null || filter(o))).ToList();
        var page = before is null ? matching.Take(limit) : matching.TakeLast(limit);
        return Json.List(url, page.Select(json), hasMore: matching.Count > limit);
    }

    private int Position(List<T> newestFirst, string cursor, string param)
    {
        var index = newestFirst.FindIndex(o => id(o) == cursor);
        return index >= 0 ? index : throw ApiError.Missing(kind, cursor, param);
    }
}
