using ContestPipeline.Plumbing;

namespace ContestPipeline.Settlement.Domain;

/// <summary>
/// A contest as Settlement keeps it. OPEN covers the lifecycle's SCHEDULED, LOCKED and LIVE
/// (Settlement has nothing to do until the result is final); then COMPLETE, SETTLED, PAID, or
/// CANCELLED from OPEN.
/// </summary>
public enum ContestStatus
{
    Open,
    Complete,
    Settled,
    Paid,
    Cancelled,
}

/// <summary>Settlement's transition table: OPEN → COMPLETE → SETTLED → PAID, and OPEN → CANCELLED.</summary>
public static class ContestStates
{
    public static TransitionTable<ContestStatus> Table { get; } = new("settlement",
        new Dictionary<ContestStatus, ContestStatus[]>
    {
        [ContestStatus.Open] = [ContestStatus.Complete, ContestStatus.Cancelled],
        [ContestStatus.Complete] = [ContestStatus.Settled],
        [ContestStatus.Settled] = [ContestStatus.Paid],
        [ContestStatus.Paid] = [],
        [ContestStatus.Cancelled] = [],
    }, s => s.ToString().ToUpperInvariant());

    public static bool CanTransition(ContestStatus from, ContestStatus to) => Table.CanTransition(from, to);

    public static void AssertTransition(string contestId, ContestStatus from, ContestStatus to) =>
        Table.AssertTransition("contest " + contestId, from, to);

    /// <summary>Upper-case name as stored: OPEN, COMPLETE ...</summary>
    public static string Name(ContestStatus state) => Table.Name(state);

    public static ContestStatus Parse(string contestId, string? name) => Table.Parse("contest " + contestId, name);
}
