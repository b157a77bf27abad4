namespace ContestPipeline.Plumbing.Kafka;

/// <summary>A topic as the cluster has it; <see cref="Configs"/> is null when the cluster cannot say.</summary>
public sealed record ExistingTopic(string Name, int Partitions, int ReplicationFactor,
    IReadOnlyDictionary<string, string>? Configs);
