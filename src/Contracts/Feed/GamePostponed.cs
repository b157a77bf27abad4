namespace ContestPipeline.Contracts.Feed;

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
