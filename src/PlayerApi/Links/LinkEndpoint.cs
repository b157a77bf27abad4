using System.Globalization;
using ContestPipeline.Plumbing.Messaging;
using Microsoft.AspNetCore.Http;
using static ContestPipeline.PlayerApi.PlayerApiAnswers;

namespace ContestPipeline.PlayerApi.Links;

/// <summary>
/// <c>POST /recipients/{playerId}/onboarding-link</c> and <c>/login-link</c> (<see cref="LinkKind"/>): a Stripe link
/// for the platform to send a winner to at once (none travels on a topic). This API makes no Stripe call: it adds a
/// request Payout answers (Payout alone calls Stripe for payouts, within its rate budget, with a key that may make
/// these links) and waits for the answer. Besides the platform's token, each request carries the player's own
/// (<see cref="PlayerTokens"/>): 403 without it, or for another player. 200 with the link (and, for an onboarding
/// link, when it expires); 404 when the player has no connected account for it; 409 when this kind of link cannot
/// be made for the account (an onboarding link once it can receive, a login link before it finished onboarding);
/// 429 with Retry-After past the per-player limit; 502 when Stripe refused; 504 when Payout did not answer in time
/// (ask again).
/// </summary>
public static class LinkEndpoint
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    public static async Task<IResult> HandleAsync(LinkKind kind, HttpContext http, PlayerApiOptions options,
        LinkRequestStore requests, TimeProvider clock, string playerId)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(clock);
        if (Refusal(http, options, "playerId", playerId) is { } refused) return refused;
        var playerToken = http.Request.Headers[PlayerTokens.Header].ToString();
        if (await options.PlayerTokens.RefusalAsync(playerToken, playerId, clock.GetUtcNow()) is { } notSignedIn)
            return Error(StatusCodes.Status403Forbidden, notSignedIn);
        var requestId = Guid.CreateVersion7(clock.GetUtcNow()).ToString("N");
        if (await requests.TryAddAsync(kind, requestId, playerId, clock.GetUtcNow()) is { } wait)
        {
            var seconds = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return Error(StatusCodes.Status429TooManyRequests,
                $"at most {kind.Limit} {kind.Name} links per player per {(long)kind.Window.TotalSeconds} s; "
                + $"ask again in {seconds} s");
        }
        var until = clock.GetUtcNow() + kind.Wait;
        while (true)
        {
            var answer = await requests.AnswerAsync(kind, requestId);
            if (answer?.Outcome == kind.Conflict) return Error(StatusCodes.Status409Conflict, answer.Reason!);
            switch (answer?.Outcome)
            {
                case "link":
                    return kind.Expires
                        ? Results.Json(new { playerId, url = answer.Url, expiresAt = answer.ExpiresAt },
                            OutgoingMessage.Json)
                        : Results.Json(new { playerId, url = answer.Url }, OutgoingMessage.Json);
                case "unknown": return Error(StatusCodes.Status404NotFound, answer.Reason!);
                case "failed": return Error(StatusCodes.Status502BadGateway, answer.Reason!);
            }
            if (clock.GetUtcNow() >= until)
                return Error(StatusCodes.Status504GatewayTimeout, "Payout did not answer in time; ask again");
            await Task.Delay(Poll, clock, http.RequestAborted);
        }
    }
}
