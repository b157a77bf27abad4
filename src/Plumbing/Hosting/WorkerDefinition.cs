using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Messaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ContestPipeline.Plumbing.Hosting;

/// <summary>
/// What makes a worker: its shape (name, consumer groups, migrations), a consume loop with its
/// handlers for each of its groups, the jobs its clock drives, and its own services.
/// </summary>
public sealed record WorkerDefinition
{
    public WorkerDefinition(WorkerShape shape, IReadOnlyList<ConsumerDefinition> consumers)
    {
        var declared = shape.Consumers.Select(c => (c.Consumer, string.Join(",", c.Topics))).ToHashSet();
        var defined = consumers.Select(c => (c.Consumer, string.Join(",", c.Topics))).ToHashSet();
        if (!declared.SetEquals(defined))
            throw new InvalidOperationException(
                $"worker {shape.Name}: its consume loops ({string.Join("; ", defined)}) "
                + $"are not the consumer groups of its shape ({string.Join("; ", declared)})");
        Shape = shape;
        Consumers = consumers;
    }

    public WorkerShape Shape { get; }

    public IReadOnlyList<ConsumerDefinition> Consumers { get; }

    public string Name => Shape.Name;

    /// <summary>Work driven by the clock, each run by a <see cref="JobRunner"/> beside the consume loops.</summary>
    public Func<IServiceProvider, IReadOnlyList<IJob>>? Jobs { get; init; }

    /// <summary>
    /// Registers the worker's own services and settings (<see cref="Setting.AddSettings{T}"/>),
    /// read and checked at start.
    /// </summary>
    public Action<IServiceCollection, IConfiguration>? Services { get; init; }

    /// <summary>
    /// Runs after migrations and before any loop starts: e.g. loads in-memory state from the
    /// database.
    /// </summary>
    public Func<IServiceProvider, CancellationToken, Task>? Warmup { get; init; }

    public SchemaGrants Grants => Shape.Grants;

    public IReadOnlyList<string> RequiredTopics => Shape.RequiredTopics;

    public TimeSpan InboxRetention => Shape.InboxRetention;

    public IReadOnlyList<Migration> AllMigrations => Shape.AllMigrations;
}
