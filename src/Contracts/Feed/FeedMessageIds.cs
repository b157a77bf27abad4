namespace ContestPipeline.Contracts.Feed;

public static class FeedMessageIds
{
    /// <summary>The id of an ordered fact on <c>games</c>: one per game and sequence.</summary>
    public static string GameFact(string gameId, long sequence) => $"game:{gameId}:{sequence}";
}
