using System.Globalization;
using ContestPipeline.Plumbing.Messaging;
using Microsoft.AspNetCore.Http;

namespace ContestPipeline.PlayerApi.LoginLinks;

/// <summary>
/// <c>POST /recipients/{playerId}/login-link</c>: a single-use link to an onboarded winner's Stripe Express dashboard,
/// where they see their balance and bank payouts live and change their bank details, for the platform to send them to
/// at once (none travels on a topic). This API makes no Stripe call: it adds a request Payout answers (Payout alone
/// holds a Stripe key that may make login links) and waits for the answer. 200 with the link; 404 when the player has
/// no connected account; 409 when their account has not finished onboarding (Stripe makes login links for onboarded
/// Express accounts only: ask for an onboarding link); 429 with Retry-After past the per-player limit
/// (<see cref="PlayerApiOptions.LoginLinkLimit"/>); 502 when Stripe refused; 504 when Payout did not answer in time
/// (ask again).
/// </summary>
public static class LoginLinkEndpoint
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    public static async Task<IResult> HandleAsync(HttpContext http, PlayerApiOptions options,
        LoginLinkRequestStore requests, TimeProvider clock, string playerId)
    {
        if (!options.Accepts(http.Request.Headers.Authorization.ToString()))
            return Error(StatusCodes.Status401Unauthorized, "a bearer token the platform was given is required");
        if (playerId.Length is 0 or > 200)
            return Error(StatusCodes.Status400BadRequest, "playerId is 1 to 200 characters");
        var requestId = Guid.CreateVersion7(clock.GetUtcNow()).ToString("N");
        if (await requests.TryAddAsync(requestId, playerId, clock.GetUtcNow(), options.LoginLinkLimit,
                options.LoginLinkWindow) is { } wait)
        {
            var seconds = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return Error(StatusCodes.Status429TooManyRequests,
                $"at most {options.LoginLinkLimit} login links per player per "
                + $"{(long)options.LoginLinkWindow.TotalSeconds} s; ask again in {seconds} s");
        }
        var until = clock.GetUtcNow() + options.LoginLinkWait;
        while (true)
        {
            var answer = await requests.AnswerAsync(requestId);
            switch (answer?.Outcome)
            {
                case "link": return Results.Json(new { playerId, url = answer.Url }, OutgoingMessage.Json);
                case "unknown": return Error(StatusCodes.Status404NotFound, answer.Reason!);
                case "onboarding": return Error(StatusCodes.Status409Conflict, answer.Reason!);
                case "failed": return Error(StatusCodes.Status502BadGateway, answer.Reason!);
            }
            if (clock.GetUtcNow() >= until)
                return Error(StatusCodes.Status504GatewayTimeout, "Payout did not answer in time; ask again");
            await Task.Delay(Poll, clock, http.RequestAborted);
        }
    }

    private static IResult Error(int status, string error) => Results.Json(new { error }, statusCode: status);
}
