namespace ContestPipeline.Contracts.Feed;

public sealed record GameEnded(string GameId, long Sequence, DateTimeOffset EndedAt) : IMessage
{
    public const string MessageType = "GameEnded";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}
