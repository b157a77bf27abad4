using ContestPipeline.Contracts;

namespace ContestPipeline.Plumbing.Kafka;

/// <summary>Where topics are read and created: Kafka's admin API, or the local broker's control endpoint.</summary>
public interface ITopicAdmin
{
    /// <summary>Says what is talked to, for the report's first line.</summary>
    string Description { get; }

    /// <summary>What cannot be compared through this admin (said once in the report), or null.</summary>
    string? Limitation { get; }

    Task<IReadOnlyDictionary<string, ExistingTopic>> DescribeAsync(IReadOnlyList<string> topics, CancellationToken ct);

    Task CreateAsync(TopicSpec spec, CancellationToken ct);
}
