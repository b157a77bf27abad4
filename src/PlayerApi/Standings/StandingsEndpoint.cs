using ContestPipeline.Operations.Queries.Contests;
using ContestPipeline.Plumbing.Messaging;
using Microsoft.AspNetCore.Http;
using static ContestPipeline.PlayerApi.PlayerApiAnswers;

namespace ContestPipeline.PlayerApi.Standings;

/// <summary>
/// <c>GET /contests/{contestId}/standings?limit=N</c>: a contest's standings for the platform's app. Once the contest
/// is complete, the final ones from the top (<c>final: true</c>, up to <see cref="LimitMax"/> rows, 10 unless asked);
/// while it is live, the leaders as Scoring last ranked them (<c>final: false</c>, with their <c>version</c>,
/// <c>entryCount</c> and <c>asOf</c>; Scoring publishes the top ten); 404 before Scoring has ranked it.
/// </summary>
public static class StandingsEndpoint
{
    public const int LimitMax = 100;

    public static async Task<IResult> GetAsync(HttpContext http, PlayerApiOptions options, ContestReadStore store,
        string contestId, int? limit)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        if (Refusal(http, options, "contestId", contestId) is { } refused) return refused;
        var rows = limit ?? 10;
        if (rows is < 1 or > LimitMax)
            return Error(StatusCodes.Status400BadRequest, $"limit {rows} is outside 1 to {LimitMax}");
        var final = await store.TopStandingsAsync(contestId, rows);
        if (final.Count > 0)
            return Results.Json(new { contestId, final = true, standings = final }, OutgoingMessage.Json);
        var live = await store.LiveStandingsAsync(contestId);
        if (live is null)
            return Error(StatusCodes.Status404NotFound, $"contest {contestId} has no standings yet");
        return Results.Json(new
        {
            contestId, final = false, live.Version, live.EntryCount, asOf = live.ComputedAt,
            standings = live.Rows.Take(rows).Select(r => new StandingView(r.Rank, r.EntryId, r.PlayerId, r.ScoreMilli)),
        }, OutgoingMessage.Json);
    }
}
