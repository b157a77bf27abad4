namespace ContestPipeline.Contracts.Standings;

/// <summary>One chunk of a contest's final standings, best first; chunks are numbered from 0.</summary>
public sealed record FinalStandingsPublished(string ContestId, int ChunkIndex, int ChunkCount,
    IReadOnlyList<StandingRow> Rows) : IMessage
{
    public const string MessageType = "FinalStandingsPublished";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public const int RowsPerChunkMax = 5_000;
    public static string MessageIdFor(string contestId, int chunk) => $"standings:{contestId}:final:{chunk}";
}
