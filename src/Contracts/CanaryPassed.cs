namespace ContestPipeline.Contracts;

/// <summary>
/// An end-to-end probe: each worker that receives a canary addressed to it records the
/// hop and forwards it to the next stage through its outbox. An operator sends one to
/// prove every worker's outbox, relay and inbox are working.
/// </summary>
public sealed record CanaryPassed(string CanaryId, string NextStage, IReadOnlyList<string> Hops) : IMessage
{
    public const string MessageType = "CanaryPassed";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;

    /// <summary>The stages a canary visits, in order; after the last it is <see cref="Done"/>.</summary>
    public static IReadOnlyList<string> Route { get; } = ["ingestion", "scoring", "settlement", "payout"];

    public const string Done = "done";

    public static string NextAfter(string stage)
    {
        var i = Route.ToList().IndexOf(stage);
        if (i < 0) throw new ArgumentException($"'{stage}' is not a canary stage", nameof(stage));
        return i == Route.Count - 1 ? Done : Route[i + 1];
    }

    /// <summary>Deterministic: the same canary leaving the same stage is the same message.</summary>
    public static string MessageIdFor(string canaryId, string fromStage) => $"canary:{canaryId}:{fromStage}";
}
