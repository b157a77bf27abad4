using ContestPipeline.Contracts.Contests;

namespace ContestPipeline.Contracts.Lifecycle;

/// <summary>A lifecycle transition. <see cref="From"/> and <see cref="To"/> are upper-case state names.</summary>
public sealed record ContestStateChanged(string ContestId, string From, string To, string Reason,
    DateTimeOffset ChangedAt) : IMessage
{
    public const string MessageType = "ContestStateChanged";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string contestId, ContestState to) =>
        $"contest:{contestId}:{ContestLifecycle.Name(to)}";
}
