using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Canary;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;

namespace ContestPipeline.Settlement.Extensions;

/// <summary>The settlement worker's wiring: its schema, migrations and consume loops.</summary>
public static class SettlementWorker
{
    public const string Name = "settlement";

    public static WorkerDefinition Definition { get; } = new(
        Name,
        Migration.FromAssembly(typeof(SettlementWorker).Assembly, Name),
        [
            new ConsumerDefinition(Name + ".canary", [Topics.Canary], _ => [new CanaryHandler(Name, Name)]),
        ]);
}
