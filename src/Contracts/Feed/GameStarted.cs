namespace ContestPipeline.Contracts.Feed;

public sealed record GameStarted(string GameId, long Sequence, DateTimeOffset StartedAt) : IMessage
{
    public const string MessageType = "GameStarted";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}
