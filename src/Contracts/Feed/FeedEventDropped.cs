namespace ContestPipeline.Contracts.Feed;

/// <summary>
/// Reserved on <c>provider.feedback</c>, never published: it was meant for an event held for its turn and dropped
/// then, with no message to dead-letter. No such drop exists: the sequencer refuses only the event being consumed,
/// and a held event is released on its turn and refused then, if at all, by validation; both are dead-lettered on
/// <c>provider.feed.dlq</c> with their reason. It stays in the contract because contracts change only additively.
/// <see cref="Code"/> would be the operators' alert code (<c>feed_conflict</c>, <c>feed_late</c>,
/// <c>stat_rejected</c>).
/// </summary>
public sealed record FeedEventDropped(string GameId, long Sequence, string MessageId, string Code, string Reason,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "FeedEventDropped";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string gameId, long sequence, string contentHash) =>
        $"feedback:{gameId}:{sequence}:{contentHash}:dropped";
}
