using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Ingestion.Domain;

/// <summary>Whether a contest takes entries, as the intake edge keeps it.</summary>
public enum IntakeStatus
{
    /// <summary>Scheduled and before its lock: entries are taken.</summary>
    Open,
    /// <summary>Lock time reached, or a covered game started first: the entry list is final.</summary>
    Closed,
    /// <summary>An operator cancelled it before it went live.</summary>
    Cancelled,
}

/// <summary>The intake's one transition table, and the one place that says whether a transition is legal.</summary>
public static class IntakeStates
{
    private static readonly IReadOnlyDictionary<IntakeStatus, IntakeStatus[]> Next = new Dictionary<IntakeStatus, IntakeStatus[]>
    {
        [IntakeStatus.Open] = [IntakeStatus.Closed, IntakeStatus.Cancelled],
        [IntakeStatus.Closed] = [IntakeStatus.Cancelled],
        [IntakeStatus.Cancelled] = [],
    };

    public static bool CanTransition(IntakeStatus from, IntakeStatus to) => Next[from].Contains(to);

    public static void AssertTransition(string contestId, IntakeStatus from, IntakeStatus to)
    {
        if (!CanTransition(from, to))
            throw new InvariantViolatedException($"illegal intake transition of contest {contestId}: {Name(from)} -> {Name(to)}");
    }

    /// <summary>Lower-case name as stored: open, closed, cancelled.</summary>
    public static string Name(IntakeStatus status) => status.ToString().ToLowerInvariant();

    public static IntakeStatus Parse(string contestId, string? name)
    {
        foreach (var candidate in Enum.GetValues<IntakeStatus>())
            if (Name(candidate) == name) return candidate;
        throw new InvariantViolatedException($"contest {contestId} has unknown intake status '{name}'");
    }
}
