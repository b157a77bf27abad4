namespace ContestPipeline.BenchPeers.WolverineFx;

/// <summary>
/// The messaging benchmark's message as the Wolverine peer sends it: the same key and body size as the pipeline's,
/// serialized by Wolverine's default (System.Text.Json, so the body travels base64), and whether it belongs to the
/// run's unmeasured warm-up.
/// </summary>
public sealed record BenchMessageSent(string Key, byte[] Body, bool WarmUp);
