using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Canary;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;

namespace ContestPipeline.Ingestion.Extensions;

/// <summary>The ingestion worker's wiring: its schema, migrations and consume loops.</summary>
public static class IngestionWorker
{
    public const string Name = "ingestion";

    public static WorkerDefinition Definition { get; } = new(
        Name,
        Migration.FromAssembly(typeof(IngestionWorker).Assembly, Name),
        [
            new ConsumerDefinition(Name + ".canary", [Topics.Canary], _ => [new CanaryHandler(Name, Name)]),
        ]);
}
