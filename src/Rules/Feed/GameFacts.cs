using System.Collections.Immutable;
using ContestPipeline.Rules.Contests;

namespace ContestPipeline.Rules.Feed;

/// <summary>
/// One game as the ordered, valid feed has described it. <see cref="AthleteIds"/> is the
/// roster in ordinal order (so membership is a binary search and two rosters compare as
/// lists); it is empty until the game is scheduled. <see cref="StartsAt"/> is when it is due,
/// moved by a postponement that gives a new time (<see cref="StartUnknown"/> while one gave none);
/// <see cref="StartedAt"/> is its first start, kept whatever happens after.
/// </summary>
public sealed record GameFacts(
    string GameId,
    GamePhase Phase,
    DateTimeOffset? StartsAt,
    ImmutableArray<string> AthleteIds,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    DateTimeOffset? SuspendedAt = null,
    DateTimeOffset? CancelledAt = null,
    bool StartUnknown = false)
{
    public static GameFacts Unknown(string gameId) => new(gameId, GamePhase.Unknown, null, [], null, null);

    public bool HasAthlete(string athleteId) => AthleteIds.BinarySearch(athleteId, StringComparer.Ordinal) >= 0;

    /// <summary>Whether play ever began (a cancelled game may have started before it was cancelled).</summary>
    public bool HasStarted => StartedAt is not null;

    /// <summary>What the contest validator needs of a scheduled game; null while it is unknown.</summary>
    public GameInfo? Info() => Phase == GamePhase.Unknown || StartsAt is null
        ? null
        : new GameInfo(StartsAt.Value, AthleteIds.ToHashSet(StringComparer.Ordinal), Phase == GamePhase.Cancelled,
            Phase == GamePhase.Postponed && StartUnknown);
}
