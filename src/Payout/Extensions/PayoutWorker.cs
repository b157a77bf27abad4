using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Canary;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;

namespace ContestPipeline.Payout.Extensions;

/// <summary>The payout worker's wiring: its schema, migrations and consume loops.</summary>
public static class PayoutWorker
{
    public const string Name = "payout";

    public static WorkerDefinition Definition { get; } = new(
        Name,
        Migration.FromAssembly(typeof(PayoutWorker).Assembly, Name),
        [
            new ConsumerDefinition(Name + ".canary", [Topics.Canary], _ => [new CanaryHandler(Name, Name)]),
        ]);
}
