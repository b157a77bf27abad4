using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;

namespace ContestPipeline.Settlement.Contests;

/// <summary>A contest as Settlement recorded it.</summary>
public sealed record ContestRow(string ContestId, SettlementState State, ContestDefined Definition,
    ContestCompleted? Completed, string? CompletedBy);
