namespace ContestPipeline.Contracts.Feed;

/// <summary>
/// The game will not be played, or not finished: final, like <see cref="GameEnded"/>, but without
/// a result. Before it started, or after (its stats so far stand, and may still be corrected).
/// </summary>
public sealed record GameCancelled(string GameId, long Sequence, DateTimeOffset CancelledAt, string? Reason = null)
    : IMessage
{
    public const string MessageType = "GameCancelled";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}
