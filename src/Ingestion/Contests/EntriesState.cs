namespace ContestPipeline.Ingestion.Contests;

/// <summary>
/// Whether a contest takes entries, as Ingestion keeps it; <see cref="EntriesLifecycle"/> says how it moves.
/// </summary>
public enum EntriesState
{
    /// <summary>Scheduled and before its lock: entries are taken.</summary>
    Open,
    /// <summary>Lock time reached, or a covered game started first: the entry list is final.</summary>
    Closed,
    /// <summary>An operator cancelled it before it went live.</summary>
    Cancelled,
}
