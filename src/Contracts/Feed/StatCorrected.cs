namespace ContestPipeline.Contracts.Feed;

/// <summary>A corrected cumulative value, possibly after the game ended.</summary>
public sealed record StatCorrected(string GameId, long Sequence, string AthleteId, string Stat, long Value) : IMessage
{
    public const string MessageType = "StatCorrected";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}
