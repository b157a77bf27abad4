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
