namespace ContestPipeline.Contracts.Feed;

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
