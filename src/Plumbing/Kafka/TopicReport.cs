namespace ContestPipeline.Plumbing.Kafka;

/// <summary>What <see cref="TopicProvisioner.ApplyAsync"/> found and did, one line per topic.</summary>
public sealed record TopicReport(IReadOnlyList<string> Created, IReadOnlyList<string> Unchanged,
    IReadOnlyList<string> Differences, IReadOnlyList<string> Lines)
{
    public bool Changed => Created.Count > 0;
}
