using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

/// <summary>An answer as it will be sent: its status, its body, and whether it replays a saved one.</summary>
internal sealed record Reply(int Status, byte[] Body, bool Replayed = false, string? OriginalRequest = null)
{
    public static Reply Ok(JsonObject body) => new(200, Json.Bytes(body));

    public static Reply Error(ApiError error) => new(error.Status, Json.Bytes(error.Body()));
}
