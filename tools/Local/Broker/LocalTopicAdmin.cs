using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Kafka;

namespace ContestPipeline.Local.Broker;

/// <summary>
/// The local broker (librdkafka's mock cluster) as a topic admin: it answers metadata, so
/// partitions and replicas are read as from Kafka, but it has no CreateTopics (no controller)
/// and no DescribeConfigs, so topics are created through its control endpoint and their
/// configs cannot be compared (it keeps no retention by time at all, but at most 5 MiB or 100,000 produce batches of
/// a partition: older ones are deleted, read or not).
/// </summary>
public sealed class LocalTopicAdmin(string bootstrapServers, string controlUrl) : ITopicAdmin
{
    public string Description => $"the local broker at {bootstrapServers} (control endpoint {controlUrl})";

    public string? Limitation =>
        "the local broker cannot report topic configs (no DescribeConfigs); partitions and replication were compared";

    public Task<IReadOnlyDictionary<string, ExistingTopic>> DescribeAsync(IReadOnlyList<string> topics,
        CancellationToken ct)
    {
        using var admin = KafkaClients.Admin(bootstrapServers);
        var wanted = topics.ToHashSet(StringComparer.Ordinal);
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        IReadOnlyDictionary<string, ExistingTopic> found =
            metadata.Topics.Where(t => !t.Error.IsError && wanted.Contains(t.Topic))
            .ToDictionary(t => t.Topic, t => new ExistingTopic(t.Topic, t.Partitions.Count,
                t.Partitions.Count == 0 ? 0 : t.Partitions.Min(p => p.Replicas.Length), null), StringComparer.Ordinal);
        return Task.FromResult(found);
    }

    public async Task CreateAsync(TopicSpec spec, CancellationToken ct)
    {
        using var control = new BrokerControlClient(controlUrl);
        await control.CreateTopicAsync(spec.Name, spec.Partitions, spec.ReplicationFactor);
    }
}
