namespace ContestPipeline.Contracts.Feed;

/// <summary>Play of a suspended game continued; its stats go on from their totals so far.</summary>
public sealed record GameResumed(string GameId, long Sequence, DateTimeOffset ResumedAt) : IMessage
{
    public const string MessageType = "GameResumed";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}
