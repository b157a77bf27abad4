using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Feed;
using static ContestPipeline.Rules.IngestionLimits;
using ContestPipeline.Rules;

namespace ContestPipeline.Rules.Feed;

/// <summary>Where a game is in its life, as the feed has told it so far.</summary>
public enum GamePhase
{
    Unknown,
    Scheduled,
    /// <summary>Will not start when scheduled; may start later, or be cancelled.</summary>
    Postponed,
    Started,
    /// <summary>Started, and play stopped; may resume, be declared final, or be cancelled.</summary>
    Suspended,
    Ended,
    /// <summary>Final without a result, before or after it started.</summary>
    Cancelled,
}

/// <summary>
/// Validates one provider event, in sequence order, against its game's state, and applies a
/// valid one. A rejected event is dead-lettered with the reason and alerted by the worker;
/// it changes nothing.
/// </summary>
/// <remarks>
/// <para>Each event type's checks run in the order below; the first that fails is the reason.
/// Every event: gameId present and at most <see cref="GameIdLengthMax"/> characters,
/// sequence 1 or more. GameScheduled: for a known game, the same startsAt and roster as
/// scheduled before (a repeat is valid and changes nothing); for a new game, startsAt
/// present, athleteIds non-empty, within bound, each present, within bound and distinct.
/// StatUpdated: game started and in play (not suspended, ended or cancelled); athleteId on the
/// roster; stat known; value 0 to <see cref="Stats.ValueMax"/>. StatCorrected: as StatUpdated,
/// but also while suspended and after the end or a cancellation of a game that had started
/// (that is what corrections are for).</para>
/// <para>The game's phases (<see cref="GamePhase"/>), each event with its time present and not
/// before the phase it leaves: GamePostponed from scheduled or postponed (newStartsAt, when
/// given, after postponedAt); GameStarted from scheduled or postponed; GameSuspended from started;
/// GameResumed from suspended; GameEnded from started or suspended (endedAt not before
/// startedAt); GameCancelled from any phase but ended and cancelled. A reason, when given, is at
/// most <see cref="FeedReasonLengthMax"/> characters.</para>
/// </remarks>
public static class FeedValidator
{
    /// <summary>
    /// Null when <paramref name="feedEvent"/> may be applied to <paramref name="state"/>; otherwise why not, naming
    /// game, sequence, field and value.
    /// </summary>
    public static string? Validate(GameFacts state, object feedEvent)
    {
        ArgumentNullException.ThrowIfNull(state);
        var (type, id, sequence) = Identify(feedEvent);
        if (FeedEvents.GameIdProblem(type, id, sequence) is { } idProblem) return idProblem;
        var gameId = id!;
        if (gameId != state.GameId)
            throw new ArgumentException($"{type} for game {gameId} was validated against the state of game " +
                $"{state.GameId}", nameof(state));
        var at = $"{type} for game {gameId} at sequence {Show.N(sequence)}: ";
        if (sequence < 1) return at + "sequence must be 1 or more";
        var problem = feedEvent switch
        {
            GameScheduled e => Scheduled(state, e),
            GamePostponed e => GamePhases.Postponed(state, e),
            GameStarted e => GamePhases.Started(state, e),
            StatUpdated e => Stat(state, e.AthleteId, e.Stat, e.Value, correction: false),
            StatCorrected e => Stat(state, e.AthleteId, e.Stat, e.Value, correction: true),
            GameSuspended e => GamePhases.Suspended(state, e),
            GameResumed e => GamePhases.Resumed(state, e),
            GameEnded e => GamePhases.Ended(state, e),
            GameCancelled e => GamePhases.Cancelled(state, e),
            _ =>
                throw new ArgumentException($"{feedEvent.GetType().Name} is not a provider feed event",
                    nameof(feedEvent)),
        };
        return problem is null ? null : at + problem;
    }

    /// <summary>The state after a valid event. Applying an invalid one is a bug in the caller, and throws.</summary>
    public static GameFacts Apply(GameFacts state, object feedEvent)
    {
        if (Validate(state, feedEvent) is { } reason)
            throw new InvalidOperationException("an invalid feed event was applied: " + reason);
        return feedEvent switch
        {
            GameScheduled e when state.Phase == GamePhase.Unknown => state with
            {
                Phase = GamePhase.Scheduled,
                StartsAt = e.StartsAt,
                AthleteIds = [.. e.AthleteIds.Order(StringComparer.Ordinal)],
            },
            GamePostponed e => state with
            {
                Phase = GamePhase.Postponed, StartsAt = e.NewStartsAt ?? state.StartsAt,
                StartUnknown = e.NewStartsAt is null,
            },
            GameStarted e => state with { Phase = GamePhase.Started, StartedAt = e.StartedAt, StartUnknown = false },
            GameSuspended e => state with { Phase = GamePhase.Suspended, SuspendedAt = e.SuspendedAt },
            GameResumed => state with { Phase = GamePhase.Started, SuspendedAt = null },
            GameEnded e => state with { Phase = GamePhase.Ended, EndedAt = e.EndedAt, SuspendedAt = null },
            GameCancelled e =>
                state with { Phase = GamePhase.Cancelled, CancelledAt = e.CancelledAt, SuspendedAt = null },
            // A repeated schedule changes nothing; stat values are Scoring's to keep.
            _ => state,
        };
    }

    /// <summary>The type, game and sequence of a provider event.</summary>
    public static (string Type, string? GameId, long Sequence) Identify(object feedEvent) => feedEvent switch
    {
        GameScheduled e => (GameScheduled.MessageType, e.GameId, e.Sequence),
        GamePostponed e => (GamePostponed.MessageType, e.GameId, e.Sequence),
        GameStarted e => (GameStarted.MessageType, e.GameId, e.Sequence),
        StatUpdated e => (StatUpdated.MessageType, e.GameId, e.Sequence),
        StatCorrected e => (StatCorrected.MessageType, e.GameId, e.Sequence),
        GameSuspended e => (GameSuspended.MessageType, e.GameId, e.Sequence),
        GameResumed e => (GameResumed.MessageType, e.GameId, e.Sequence),
        GameEnded e => (GameEnded.MessageType, e.GameId, e.Sequence),
        GameCancelled e => (GameCancelled.MessageType, e.GameId, e.Sequence),
        null => throw new ArgumentNullException(nameof(feedEvent)),
        _ => throw new ArgumentException($"{feedEvent.GetType().Name} is not a provider feed event", nameof(feedEvent)),
    };

    private static string? Scheduled(GameFacts state, GameScheduled e)
    {
        if (state.Phase != GamePhase.Unknown)
        {
            // A provider may announce a game again; only a different announcement is a conflict.
            if (e.StartsAt != state.StartsAt)
                return $"startsAt {Show.Time(e.StartsAt)} differs from {Show.Time(state.StartsAt!.Value)} scheduled " +
                    "earlier";
            var roster = e.AthleteIds?.Order(StringComparer.Ordinal).ToArray() ?? [];
            if (!roster.SequenceEqual(state.AthleteIds, StringComparer.Ordinal))
            {
                var added = roster.Except(state.AthleteIds, StringComparer.Ordinal).FirstOrDefault();
                var removed = state.AthleteIds.Except(roster, StringComparer.Ordinal).FirstOrDefault();
                var example = added is not null ? $"{Show.Quote(added)} is new" : removed is not null
                    ? $"{Show.Quote(removed)} is missing" : "an athlete is repeated";
                return $"athleteIds ({Show.N(roster.Length)}) differ from the {Show.N(state.AthleteIds.Length)} " +
                    $"athletes scheduled earlier: {example}";
            }
            return null;
        }
        if (e.StartsAt == default) return "startsAt is missing";
        if (e.AthleteIds is null || e.AthleteIds.Count == 0) return "athleteIds is empty; a game needs a roster";
        if (e.AthleteIds.Count > GameRosterAthletesMax)
            return $"athleteIds lists {Show.N(e.AthleteIds.Count)} athletes; at most {Show.N(GameRosterAthletesMax)} " +
                "are allowed";
        var firstIndex = new Dictionary<string, int>(e.AthleteIds.Count, StringComparer.Ordinal);
        for (var i = 0; i < e.AthleteIds.Count; i++)
        {
            var id = e.AthleteIds[i];
            if (string.IsNullOrWhiteSpace(id)) return $"athleteIds[{i}] is missing";
            if (id.Length > AthleteIdLengthMax)
                return $"athleteIds[{i}] is {Show.N(id.Length)} characters; at most {Show.N(AthleteIdLengthMax)} are " +
                    "allowed";
            if (!firstIndex.TryAdd(id, i))
                return $"athleteIds[{i}] {Show.Quote(id)} repeats athleteIds[{firstIndex[id]}]";
        }
        return null;
    }

    private static string? Stat(GameFacts state, string? athleteId, string? stat, long value, bool correction)
    {
        if (GamePhases.StatNotAccepted(state, correction) is { } phase) return phase;
        if (string.IsNullOrWhiteSpace(athleteId)) return "athleteId is missing";
        if (!state.HasAthlete(athleteId)) return $"athleteId {Show.Quote(athleteId)} is not on the game's roster";
        if (string.IsNullOrEmpty(stat)) return "stat is missing";
        if (!Stats.Known.Contains(stat)) return $"stat {Show.Quote(stat)} is not a known stat";
        if (value < 0)
            return $"value {Show.N(value)} of {stat} for {athleteId} is negative; values are cumulative totals";
        if (value > Stats.ValueMax)
            return $"value {Show.N(value)} of {stat} for {athleteId} is more than {Show.N(Stats.ValueMax)}, the " +
                "largest plausible total";
        return null;
    }
}
