using ContestPipeline.Contracts.Contests;

namespace ContestPipeline.Contracts.Lifecycle;

/// <summary>
/// Ingestion stopped taking entries (lock time reached, or a covered game started first).
/// Published after every EntryAccepted of the contest, so a consumer that has seen this has
/// seen them all: exactly <see cref="EntryCount"/> entries, whose sorted ids hash to <see cref="EntriesHash"/>.
/// </summary>
public sealed record EntriesClosed(string ContestId, int EntryCount, string EntriesHash, DateTimeOffset ClosedAt)
    : IMessage
{
    public const string MessageType = "EntriesClosed";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string contestId) => $"contest:{contestId}:entries-closed";
}
