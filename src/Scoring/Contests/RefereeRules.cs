using ContestPipeline.Contracts.Lifecycle;

namespace ContestPipeline.Scoring.Contests;

/// <summary>
/// The referee's rules for the transitions it owns, in the order they are checked: the first
/// that applies is the move. Legality is the lifecycle table's (ContestLifecycle); these say
/// when. Pure: the referee job gathers the facts and makes the move.
/// </summary>
public static class RefereeRules
{
    public static (ContestState To, string Reason)? Next(ContestFacts f, DateTimeOffset now = default) => f.State switch
    {
        ContestState.Scheduled when f.CancelRequested => (ContestState.Cancelled, "cancelled by an operator"),
        // Entries are frozen only once the referee holds every entry Ingestion accepted.
        ContestState.Scheduled when f.EntriesClosedCount is { } closed && f.EntryCount == closed
            && closed < f.MinEntries =>
            (ContestState.Cancelled, $"under-filled: {closed} entries at lock, minimum {f.MinEntries}"),
        ContestState.Scheduled when f.EntriesClosedCount is { } closed && f.EntryCount == closed =>
            (ContestState.Locked, $"entries closed with {closed} entries"),
        ContestState.Locked when f.CancelRequested => (ContestState.Cancelled, "cancelled by an operator"),
        ContestState.Locked when f.SlateCancel is { } why => (ContestState.Cancelled, why),
        ContestState.Locked when f.StartedGameId is not null => (ContestState.Live, $"game {f.StartedGameId} started"),
        // An operator's cancel comes before completion: recorded while LIVE, it wins over a COMPLETE due the same
        // moment.
        ContestState.Live when f.CancelRequested => (ContestState.Cancelled, "cancelled by an operator"),
        ContestState.Live when f.SlateCancel is { } why => (ContestState.Cancelled, why),
        ContestState.Live when f.CompletesAt is { } at && at <= now =>
            (ContestState.Complete, "every covered game ended and the correction window passed"),
        _ => null,
    };
}
