using ContestPipeline.Plumbing.Hosting;

namespace ContestPipeline.Local.Processes;

/// <summary>
/// The pipeline's workers, by name, as the operator tool knows them: the four that move a
/// contest and its money (<see cref="Names"/>, the ones the fault campaign runs and kills), and
/// the operations read model beside them (in <see cref="All"/>, so migrate and replay know it).
/// </summary>
public static class Workers
{
    private static readonly WorkerDefinition[] InOrder =
    [
        Ingestion.Extensions.IngestionWorker.Definition,
        Scoring.Extensions.ScoringWorker.Definition,
        Settlement.Extensions.SettlementWorker.Definition,
        Payout.Extensions.PayoutWorker.Definition,
    ];

    public static IReadOnlyDictionary<string, WorkerDefinition> All { get; } =
        InOrder.Append(Operations.Extensions.OperationsWorker.Definition).ToDictionary(w => w.Name);

    /// <summary>Their names in pipeline order (a fixed order, so a seeded choice among them repeats).</summary>
    public static IReadOnlyList<string> Names { get; } = [.. InOrder.Select(w => w.Name)];
}
