using Microsoft.AspNetCore.Http;

namespace ContestPipeline.PlayerApi;

/// <summary>
/// What every endpoint of the platform's read API checks first (the platform's bearer token, then the id in the
/// path), and the one shape of its errors: <c>{"error": "..."}</c> with the status.
/// </summary>
public static class PlayerApiAnswers
{
    public const int IdLengthMax = 200;

    /// <summary>401 without an accepted token, 400 for an id (<paramref name="name"/>) of the wrong length.</summary>
    public static IResult? Refusal(HttpContext http, PlayerApiOptions options, string name, string id)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Accepts(http.Request.Headers.Authorization.ToString()))
            return Error(StatusCodes.Status401Unauthorized, "a bearer token the platform was given is required");
        if (id.Length is 0 or > IdLengthMax)
            return Error(StatusCodes.Status400BadRequest, $"{name} is 1 to {IdLengthMax} characters");
        return null;
    }

    public static IResult Error(int status, string error) => Results.Json(new { error }, statusCode: status);
}
