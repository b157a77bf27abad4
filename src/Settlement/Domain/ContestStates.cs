using ContestPipeline.Plumbing.Messaging;

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

/// <summary>Settlement's one transition table, and the one place that says whether a transition is legal.</summary>
public static class ContestStates
{
    private static readonly IReadOnlyDictionary<ContestStatus, ContestStatus[]> Next = new Dictionary<ContestStatus, ContestStatus[]>
    {
        [ContestStatus.Open] = [ContestStatus.Complete, ContestStatus.Cancelled],
        [ContestStatus.Complete] = [ContestStatus.Settled],
        [ContestStatus.Settled] = [ContestStatus.Paid],
        [ContestStatus.Paid] = [],
        [ContestStatus.Cancelled] = [],
    };

    public static bool CanTransition(ContestStatus from, ContestStatus to) => Next[from].Contains(to);

    /// <summary>A transition the code is about to make that the table forbids is a bug.</summary>
    public static void AssertTransition(string contestId, ContestStatus from, ContestStatus to)
    {
        if (!CanTransition(from, to))
            throw new InvariantViolatedException($"illegal settlement transition of contest {contestId}: {Name(from)} -> {Name(to)}");
    }

    /// <summary>Upper-case name as stored: OPEN, COMPLETE ...</summary>
    public static string Name(ContestStatus state) => state.ToString().ToUpperInvariant();

    /// <summary>A stored state; anything else in the column is a bug (the column's check constraint agrees).</summary>
    public static ContestStatus Parse(string contestId, string? name)
    {
        foreach (var candidate in Enum.GetValues<ContestStatus>())
            if (Name(candidate) == name) return candidate;
        throw new InvariantViolatedException($"contest {contestId} has unknown settlement state '{name}'");
    }
}
