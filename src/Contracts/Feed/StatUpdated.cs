namespace ContestPipeline.Contracts.Feed;

/// <summary>The athlete's cumulative <see cref="Value"/> of <see cref="Stat"/> in this game so far.</summary>
public sealed record StatUpdated(string GameId, long Sequence, string AthleteId, string Stat, long Value) : IMessage
{
    public const string MessageType = "StatUpdated";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}
