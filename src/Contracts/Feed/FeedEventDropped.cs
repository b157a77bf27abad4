namespace ContestPipeline.Contracts.Feed;

/// <summary>
/// To the provider, on <c>provider.feedback</c>: an event it sent was held for its turn and then dropped (a different
/// event under a sequence already applied, or its turn given up), so it is on no dead-letter topic. An event refused
/// when it arrived is dead-lettered on <c>provider.feed.dlq</c> instead, with its reason in the headers.
/// <see cref="Code"/> is the operators' alert code (<c>feed_conflict</c>, <c>feed_late</c>, <c>stat_rejected</c>).
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
