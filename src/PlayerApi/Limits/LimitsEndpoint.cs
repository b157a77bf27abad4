using System.Globalization;
using System.Text.Json.Serialization;
using ContestPipeline.Operations.Queries.Players;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Players;
using Microsoft.AspNetCore.Http;
using static ContestPipeline.PlayerApi.PlayerApiAnswers;

namespace ContestPipeline.PlayerApi.Limits;

/// <summary>
/// A player's responsible-gaming limits, set by the platform for the player (<see cref="LimitRules"/>):
/// <c>POST /players/{playerId}/limits</c> with any of <c>dailyLimitMinor</c>, <c>monthlyLimitMinor</c>,
/// <c>exclusion</c> (<c>cooling_off</c>, <c>self_exclusion</c>) and <c>exclusionDays</c>: 400 naming what is wrong;
/// 429 with Retry-After past <see cref="PlayerApiOptions.LimitsRequestLimit"/> requests for the player in
/// <see cref="PlayerApiOptions.LimitsRequestWindow"/>; otherwise Ingestion applies it (a lowered limit and an
/// exclusion at once, a raise after its cooling-off) and this answers 200 with what was done and the limits as they
/// stand, or 504 when Ingestion did not answer in time (the request is kept and applied all the same).
/// <c>GET /players/{playerId}/limits</c>: the limits as they stand (a null limit is the platform's default; a raise
/// whose cooling-off is over is the limit).
/// </summary>
public static class LimitsEndpoint
{
    /// <summary>Who asked, as recorded with every request this API adds: the platform, for the player.</summary>
    public const string RequestedBy = "platform";

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    /// <summary>The request's body: any of its fields; one it does not know is refused, not ignored.</summary>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    public sealed record Body
    {
        public long? DailyLimitMinor { get; init; }
        public long? MonthlyLimitMinor { get; init; }
        public string? Exclusion { get; init; }
        public int? ExclusionDays { get; init; }
    }

    public static async Task<IResult> SetAsync(HttpContext http, PlayerApiOptions options, PlayerLimitReadStore store,
        TimeProvider clock, string playerId)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(clock);
        if (Refusal(http, options, "playerId", playerId) is { } refused) return refused;
        Body? body;
        try
        {
            body = await http.Request.ReadFromJsonAsync<Body>(OutgoingMessage.Json,
                http.RequestAborted);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            return Error(StatusCodes.Status400BadRequest, $"the body is not a JSON limits request: {e.Message}");
        }
        if (body is null) return Error(StatusCodes.Status400BadRequest, "the body is empty");
        var change = new LimitRequest(body.DailyLimitMinor, body.MonthlyLimitMinor, body.Exclusion, body.ExclusionDays);
        if (LimitRules.Problem(change) is { } problem) return Error(StatusCodes.Status400BadRequest, problem);
        var requestId = Guid.CreateVersion7(clock.GetUtcNow()).ToString("N");
        if (await store.TryAddRequestAsync(requestId, playerId, change, RequestedBy, clock.GetUtcNow(),
                options.LimitsRequestLimit, options.LimitsRequestWindow) is { } wait)
        {
            var seconds = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return Error(StatusCodes.Status429TooManyRequests,
                $"at most {options.LimitsRequestLimit} limit changes per player per "
                + $"{(long)options.LimitsRequestWindow.TotalSeconds} s; ask again in {seconds} s");
        }
        var until = clock.GetUtcNow() + options.LimitsWait;
        while (true)
        {
            var answer = await store.ChangeAsync(requestId);
            if (answer?.Outcome == "applied")
                return Results.Json(new { playerId, requestId, applied = answer.Summary,
                    limits = await store.LimitsAsync(playerId, clock.GetUtcNow()) }, OutgoingMessage.Json);
            if (answer?.Outcome == "refused") return Error(StatusCodes.Status400BadRequest, answer.Summary!);
            if (clock.GetUtcNow() >= until)
                return Error(StatusCodes.Status504GatewayTimeout,
                    $"Ingestion did not apply request {requestId} in time; it is kept and will be applied");
            await Task.Delay(Poll, clock, http.RequestAborted);
        }
    }

    public static async Task<IResult> GetAsync(HttpContext http, PlayerApiOptions options, PlayerLimitReadStore store,
        TimeProvider clock, string playerId)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(clock);
        if (Refusal(http, options, "playerId", playerId) is { } refused) return refused;
        return Results.Json(new { playerId, limits = await store.LimitsAsync(playerId, clock.GetUtcNow()) },
            OutgoingMessage.Json);
    }
}
