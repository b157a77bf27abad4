namespace ContestPipeline.Plumbing.Hosting;

/// <summary>A consumer group of a worker (also its inbox key) and the topics it reads.</summary>
public sealed record ConsumerGroup(string Consumer, IReadOnlyList<string> Topics);
