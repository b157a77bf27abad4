namespace ContestPipeline.Contracts.Feed;

/// <summary>
/// The sports-data provider's events (topic <c>provider.feed</c>, key: game id). Every event
/// carries the provider's per-game <c>Sequence</c> (1, 2, 3 ...). Ingestion drops duplicates,
/// applies events in sequence order (holding a gap for a bounded time, then alerting), and
/// publishes the validated, ordered facts with the same shapes and type names on <c>games</c>.
/// Stat values are the athlete's cumulative total for that stat in that game, not deltas, so
/// the latest sequence always wins. For a fitness challenge the "game" is the challenge's
/// activity window and the athletes are the participating players.
/// </summary>
public sealed record GameScheduled(string GameId, long Sequence, DateTimeOffset StartsAt,
    IReadOnlyList<string> AthleteIds) : IMessage
{
    public const string MessageType = "GameScheduled";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}

public sealed record GameStarted(string GameId, long Sequence, DateTimeOffset StartedAt) : IMessage
{
    public const string MessageType = "GameStarted";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}

/// <summary>The athlete's cumulative <see cref="Value"/> of <see cref="Stat"/> in this game so far.</summary>
public sealed record StatUpdated(string GameId, long Sequence, string AthleteId, string Stat, long Value) : IMessage
{
    public const string MessageType = "StatUpdated";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}

/// <summary>A corrected cumulative value, possibly after the game ended.</summary>
public sealed record StatCorrected(string GameId, long Sequence, string AthleteId, string Stat, long Value) : IMessage
{
    public const string MessageType = "StatCorrected";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}

public sealed record GameEnded(string GameId, long Sequence, DateTimeOffset EndedAt) : IMessage
{
    public const string MessageType = "GameEnded";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}

/// <summary>
/// The game will not start when scheduled: before it started (weather, a stadium problem).
/// <see cref="NewStartsAt"/> is when it is now due, or null while the provider does not know.
/// It may be postponed again, and it may still start (a <see cref="GameStarted"/>) or be
/// cancelled. A contest covering it applies its unfinished-games rule (see <c>ContestDefined</c>).
/// </summary>
public sealed record GamePostponed(string GameId, long Sequence, DateTimeOffset PostponedAt,
    DateTimeOffset? NewStartsAt = null, string? Reason = null) : IMessage
{
    public const string MessageType = "GamePostponed";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}

/// <summary>
/// Play stopped after the game started (lightning, a power cut). No stat updates while it is
/// suspended (corrections are accepted); a <see cref="GameResumed"/> continues it, and it may
/// also be declared final (<see cref="GameEnded"/>) or cancelled as it stands.
/// </summary>
public sealed record GameSuspended(string GameId, long Sequence, DateTimeOffset SuspendedAt, string? Reason = null)
    : IMessage
{
    public const string MessageType = "GameSuspended";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}

/// <summary>Play of a suspended game continued; its stats go on from their totals so far.</summary>
public sealed record GameResumed(string GameId, long Sequence, DateTimeOffset ResumedAt) : IMessage
{
    public const string MessageType = "GameResumed";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}

/// <summary>
/// The game will not be played, or not finished: final, like <see cref="GameEnded"/>, but without
/// a result. Before it started, or after (its stats so far stand, and may still be corrected).
/// </summary>
public sealed record GameCancelled(string GameId, long Sequence, DateTimeOffset CancelledAt, string? Reason = null)
    : IMessage
{
    public const string MessageType = "GameCancelled";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}

/// <summary>The provider's event types, in the order a game's life meets them.</summary>
public static class FeedTypes
{
    public static IReadOnlyList<string> All { get; } =
    [
        GameScheduled.MessageType, GamePostponed.MessageType, GameStarted.MessageType, StatUpdated.MessageType,
        GameSuspended.MessageType,
        GameResumed.MessageType, StatCorrected.MessageType, GameEnded.MessageType, GameCancelled.MessageType,
    ];
}

public static class FeedMessageIds
{
    /// <summary>The id of an ordered fact on <c>games</c>: one per game and sequence.</summary>
    public static string GameFact(string gameId, long sequence) => $"game:{gameId}:{sequence}";
}
