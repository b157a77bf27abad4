using System.Text.Json.Nodes;
using ContestPipeline.Stripe;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// One /v1 endpoint: its method, its route pattern (with {id} where it names an object), the permission a
/// restricted key needs to call it (<see cref="StripePermissions"/>; null: any key), and the operation that
/// answers it, given that id.
/// </summary>
internal sealed record V1Route(string Method, string Pattern, string? Permission,
    Func<string?, ApiCall, JsonObject> Operation)
{
    /// <summary>
    /// Whether the endpoint answers for a connected account named by the Stripe-Account header (its balance, its
    /// payouts, its events). The emulator holds no other objects of a connected account's own, so any other
    /// endpoint refuses the header instead of answering with the platform's objects.
    /// </summary>
    public bool OnConnectedAccount { get; init; }

    /// <summary>Any other /v1 path: Stripe's 404 for a URL it does not know.</summary>
    public static V1Route Unrecognized { get; } = new("*", "/v1/{**rest}", null, (_, call) =>
        throw new ApiError(404, StripeErrorTypes.InvalidRequestError,
            $"Unrecognized request URL ({call.Method}: {call.Path}).", beforeExecution: true));
}
