using ContestPipeline.Contracts.Contests;

namespace ContestPipeline.Contracts.Lifecycle;

/// <summary>
/// COMPLETE: every covered game ended (and the correction window passed). The final standings
/// are on <c>standings</c> as <see cref="StandingsChunks"/> FinalStandingsPublished messages;
/// <see cref="StandingsHash"/> is over all of them and <see cref="InputsHash"/> over every input
/// that produced them (definition, entries, final stat values), so two runs can be compared.
/// </summary>
public sealed record ContestCompleted(
    string ContestId,
    int EntryCount,
    int StandingsChunks,
    string StandingsHash,
    string InputsHash,
    DateTimeOffset CompletedAt) : IMessage
{
    public const string MessageType = "ContestCompleted";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string contestId) => $"contest:{contestId}:completed";
}
