using ContestPipeline.Contracts.Lifecycle;

namespace ContestPipeline.Scoring.Lifecycle;

/// <summary>What the referee knows about a contest when it decides whether it moves on.</summary>
public sealed record ContestFacts(
    ContestState State,
    int EntryCount,
    int? EntriesClosedCount,
    int MinEntries,
    bool CancelRequested,
    string? StartedGameId);

/// <summary>
/// The referee's rules for the transitions it owns, in the order they are checked. COMPLETE
/// is not here: it needs the final standings and is made by CompleteContestsJob.
/// </summary>
public static class LifecycleRules
{
    public static (ContestState To, string Reason)? Next(ContestFacts f) => f.State switch
    {
        ContestState.Scheduled when f.CancelRequested => (ContestState.Cancelled, "cancelled by an operator"),
        // Entries are frozen only once the referee holds every entry Ingestion accepted.
        ContestState.Scheduled when f.EntriesClosedCount is { } closed && f.EntryCount == closed && closed < f.MinEntries =>
            (ContestState.Cancelled, $"under-filled: {closed} entries at lock, minimum {f.MinEntries}"),
        ContestState.Scheduled when f.EntriesClosedCount is { } closed && f.EntryCount == closed =>
            (ContestState.Locked, $"entries closed with {closed} entries"),
        ContestState.Locked when f.CancelRequested => (ContestState.Cancelled, "cancelled by an operator"),
        ContestState.Locked when f.StartedGameId is not null => (ContestState.Live, $"game {f.StartedGameId} started"),
        _ => null,
    };
}
