namespace ContestPipeline.StripeEmulation;

/// <summary>
/// One /v1 request as the emulator answered it. <paramref name="Status"/> is what it decided,
/// also when <paramref name="Fault"/> dropped or delayed the answer; 0 when the client went
/// away during injected latency, before anything was applied. <paramref name="Parameters"/> are
/// its form or query parameters in one canonical text (sorted by name), and
/// <paramref name="StripeVersion"/> the API version it asked for: what a client sent, to compare two clients by.
/// </summary>
public sealed record RecordedRequest(
    string RequestId, string Method, string Path, string? IdempotencyKey, int Status, bool Replayed,
    StripeFaultKind? Fault, string Parameters = "", string? StripeVersion = null);
