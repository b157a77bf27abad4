using ContestPipeline.Plumbing;

namespace ContestPipeline.Ingestion.Domain;

/// <summary>Whether a contest takes entries, as Ingestion keeps it.</summary>
public enum EntriesStatus
{
    /// <summary>Scheduled and before its lock: entries are taken.</summary>
    Open,
    /// <summary>Lock time reached, or a covered game started first: the entry list is final.</summary>
    Closed,
    /// <summary>An operator cancelled it before it went live.</summary>
    Cancelled,
}

/// <summary>The entries' transition table: open → closed, and open or closed → cancelled.</summary>
public static class EntriesStates
{
    public static TransitionTable<EntriesStatus> Table { get; } = new("entries", new Dictionary<EntriesStatus, EntriesStatus[]>
    {
        [EntriesStatus.Open] = [EntriesStatus.Closed, EntriesStatus.Cancelled],
        [EntriesStatus.Closed] = [EntriesStatus.Cancelled],
        [EntriesStatus.Cancelled] = [],
    }, s => s.ToString().ToLowerInvariant());

    public static bool CanTransition(EntriesStatus from, EntriesStatus to) => Table.CanTransition(from, to);

    public static void AssertTransition(string contestId, EntriesStatus from, EntriesStatus to) => Table.AssertTransition("contest " + contestId, from, to);

    /// <summary>Lower-case name as stored: open, closed, cancelled.</summary>
    public static string Name(EntriesStatus status) => Table.Name(status);

    public static EntriesStatus Parse(string contestId, string? name) => Table.Parse("contest " + contestId, name);
}
