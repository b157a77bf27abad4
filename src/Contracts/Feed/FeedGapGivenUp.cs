namespace ContestPipeline.Contracts.Feed;

/// <summary>
/// To the provider, on <c>provider.feedback</c>: the pipeline waited the hold time for sequences
/// <see cref="FirstSequence"/> to <see cref="LastSequence"/> of a game and gave them up; they will never be applied,
/// and what waited behind them was applied. <see cref="Reason"/> says so in words, as the operators' alert does.
/// </summary>
public sealed record FeedGapGivenUp(string GameId, long FirstSequence, long LastSequence, string Reason,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "FeedGapGivenUp";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string gameId, long first, long last) => $"feedback:{gameId}:gap:{first}-{last}";
}
