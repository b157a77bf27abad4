namespace ContestPipeline.Contracts.Feed;

/// <summary>The provider's event types, in the order a game's life meets them.</summary>
public static class FeedTypes
{
    public static IReadOnlyList<string> All { get; } =
    [
        GameScheduled.MessageType, GamePostponed.MessageType, GameStarted.MessageType, StatUpdated.MessageType,
        GameSuspended.MessageType,
        GameResumed.MessageType, StatCorrected.MessageType, GameEnded.MessageType, GameCancelled.MessageType,
    ];
}
