using ContestPipeline.Plumbing.Hosting;

namespace ContestPipeline.Local.Processes;

/// <summary>Every worker's definition (its shape and its code), by name, for runs that host workers
/// in-process.</summary>
public static class WorkerDefinitions
{
    public static IReadOnlyDictionary<string, WorkerDefinition> All { get; } = new WorkerDefinition[]
    {
        Ingestion.IngestionWorker.Definition,
        Scoring.ScoringWorker.Definition,
        Settlement.SettlementWorker.Definition,
        Payout.PayoutWorker.Definition,
        Operations.OperationsWorker.Definition,
        Notifier.NotifierWorker.Definition,
    }.ToDictionary(w => w.Name);
}
