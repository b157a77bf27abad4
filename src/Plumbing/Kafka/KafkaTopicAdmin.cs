using Confluent.Kafka;
using Confluent.Kafka.Admin;
using ContestPipeline.Contracts;

namespace ContestPipeline.Plumbing.Kafka;

/// <summary>Real Kafka: metadata and DescribeConfigs to read, CreateTopics to create.</summary>
public sealed class KafkaTopicAdmin(string bootstrapServers, KafkaSecurity? security = null) : ITopicAdmin
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public string Description => $"the Kafka admin API at {bootstrapServers}";
    public string? Limitation => null;

    public async Task<IReadOnlyDictionary<string, ExistingTopic>> DescribeAsync(IReadOnlyList<string> topics,
        CancellationToken ct)
    {
        using var admin = KafkaClients.Admin(bootstrapServers, security: security);
        var metadata = admin.GetMetadata(Timeout);
        var wanted = topics.ToHashSet(StringComparer.Ordinal);
        var present = metadata.Topics.Where(t => !t.Error.IsError && wanted.Contains(t.Topic)).ToList();
        var configs = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        if (present.Count > 0)
        {
            var described = await admin.DescribeConfigsAsync(
                present.Select(t => new ConfigResource { Type = ResourceType.Topic, Name = t.Topic }));
            foreach (var r in described)
                configs[r.ConfigResource.Name] = r.Entries.Where(e => e.Value.Value is not null)
                    .ToDictionary(e => e.Key, e => e.Value.Value, StringComparer.Ordinal);
        }
        return present.ToDictionary(t => t.Topic, t => new ExistingTopic(t.Topic, t.Partitions.Count,
            t.Partitions.Count == 0 ? 0 : t.Partitions.Min(p => p.Replicas.Length), configs.GetValueOrDefault(t.Topic)),
            StringComparer.Ordinal);
    }

    public async Task CreateAsync(TopicSpec spec, CancellationToken ct)
    {
        using var admin = KafkaClients.Admin(bootstrapServers, security: security);
        try
        {
            await admin.CreateTopicsAsync([new TopicSpecification
            {
                Name = spec.Name, NumPartitions = spec.Partitions, ReplicationFactor = spec.ReplicationFactor,
                Configs = spec.Configs.ToDictionary(c => c.Key, c => c.Value),
            }], new CreateTopicsOptions { RequestTimeout = Timeout, OperationTimeout = Timeout });
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code == ErrorCode.TopicAlreadyExists))
        {
            // Made by a concurrent apply meanwhile: what was wanted exists.
        }
    }
}
