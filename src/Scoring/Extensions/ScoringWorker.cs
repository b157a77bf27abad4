using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Canary;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;

namespace ContestPipeline.Scoring.Extensions;

/// <summary>The scoring worker's wiring: its schema, migrations and consume loops.</summary>
public static class ScoringWorker
{
    public const string Name = "scoring";

    public static WorkerDefinition Definition { get; } = new(
        Name,
        Migration.FromAssembly(typeof(ScoringWorker).Assembly, Name),
        [
            new ConsumerDefinition(Name + ".canary", [Topics.Canary], _ => [new CanaryHandler(Name, Name)]),
        ]);
}
