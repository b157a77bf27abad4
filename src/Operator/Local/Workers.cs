using ContestPipeline.Plumbing.Hosting;

namespace ContestPipeline.Operator.Local;

/// <summary>The pipeline's workers, by name, as the operator tool knows them.</summary>
public static class Workers
{
    public static IReadOnlyDictionary<string, WorkerDefinition> All { get; } = new[]
    {
        Ingestion.Extensions.IngestionWorker.Definition,
        Scoring.Extensions.ScoringWorker.Definition,
        Settlement.Extensions.SettlementWorker.Definition,
        Payout.Extensions.PayoutWorker.Definition,
    }.ToDictionary(w => w.Name);
}
