using ContestPipeline.Contracts.Contests;
using ContestPipeline.Rules.Contests;

namespace ContestPipeline.Ingestion.Entries;

/// <summary>
/// What the worker knows when a submission is decided. <see cref="Contest"/> is null when no
/// contest with the submission's id was scheduled. <see cref="Games"/> holds at least the
/// contest's games, for the lineup check. The counts are of entries accepted so far.
/// <see cref="ClosesEarlyAt"/> is when a covered game started, when that was before lockAt.
/// </summary>
public sealed record EntryContext(
    ContestDefined? Contest,
    bool Cancelled,
    bool EntriesClosed,
    IReadOnlyDictionary<string, GameInfo> Games,
    int PlayerAcceptedEntries,
    int ContestAcceptedEntries,
    PaymentUse? PriorUse = null,
    DateTimeOffset? ClosesEarlyAt = null);
