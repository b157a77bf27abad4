using ContestPipeline.Contracts.Contests;
using ContestPipeline.Rules.Contests;
using ContestPipeline.Rules.Players;

namespace ContestPipeline.Ingestion.Entries;

/// <summary>
/// What the worker knows when a submission is decided. <see cref="Contest"/> is null when no
/// contest with the submission's id was scheduled. <see cref="Games"/> holds at least the
/// contest's games, for the lineup check. The counts are of entries accepted so far.
/// <see cref="ClosesEarlyAt"/> is when a covered game started, when that was before lockAt. <see cref="Limits"/> is
/// the player's responsible-gaming limits as they stand and what the player has paid (null: none are checked).
/// </summary>
public sealed record EntryContext(
    ContestDefined? Contest,
    bool Cancelled,
    bool EntriesClosed,
    IReadOnlyDictionary<string, GameInfo> Games,
    int PlayerAcceptedEntries,
    int ContestAcceptedEntries,
    PaymentUse? PriorUse = null,
    DateTimeOffset? ClosesEarlyAt = null,
    PlayerLimitCheck? Limits = null);

/// <summary>
/// A player's limits as they stand when the submission is decided, and the entry fees (in the contest's currency) of
/// the player's accepted entries submitted on the same UTC day and in the same calendar month as this one.
/// </summary>
public sealed record PlayerLimitCheck(EffectiveLimits Limits, long DaySpentMinor, long MonthSpentMinor);
