using ContestPipeline.Plumbing;

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

/// <summary>The intake's transition table: open → closed, and open or closed → cancelled.</summary>
public static class IntakeStates
{
    public static TransitionTable<IntakeStatus> Table { get; } = new("intake", new Dictionary<IntakeStatus, IntakeStatus[]>
    {
        [IntakeStatus.Open] = [IntakeStatus.Closed, IntakeStatus.Cancelled],
        [IntakeStatus.Closed] = [IntakeStatus.Cancelled],
        [IntakeStatus.Cancelled] = [],
    }, s => s.ToString().ToLowerInvariant());

    public static bool CanTransition(IntakeStatus from, IntakeStatus to) => Table.CanTransition(from, to);

    public static void AssertTransition(string contestId, IntakeStatus from, IntakeStatus to) => Table.AssertTransition("contest " + contestId, from, to);

    /// <summary>Lower-case name as stored: open, closed, cancelled.</summary>
    public static string Name(IntakeStatus status) => Table.Name(status);

    public static IntakeStatus Parse(string contestId, string? name) => Table.Parse("contest " + contestId, name);
}
