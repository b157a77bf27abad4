namespace ContestPipeline.Contracts.Standings;

/// <summary>
/// One entry's place. Rank is standard competition ranking (ties share the best rank:
/// 1, 2, 2, 4); tied entries are listed by entry id. Scores are thousandths of a point.
/// </summary>
public sealed record StandingRow(int Rank, string EntryId, string PlayerId, long ScoreMilli);

/// <summary>
/// Live standings (topic <c>standings</c>, key: contest id): the leaders as of <see cref="ComputedAt"/>.
/// <see cref="Version"/> grows while a worker runs and may restart after a restart; order by ComputedAt.
/// </summary>
/// <see cref="AsOf"/> names, per covered game, the highest provider sequence these standings include.
public sealed record StandingsUpdated(string ContestId, long Version, int EntryCount,
    IReadOnlyList<StandingRow> Leaders, DateTimeOffset ComputedAt,
    IReadOnlyDictionary<string, long>? AsOf = null) : IMessage
{
    public const string MessageType = "StandingsUpdated";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public const int LeadersMax = 100;
}

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

/// <summary>
/// A COMPLETE contest's result stands; this reports what the stat corrections recorded since
/// would have changed (topic <c>standings</c>, key: contest id). One report per correction,
/// cumulative: the official final standings against the standings that every correction
/// recorded so far gives. It moves no money; it is what an operator needs to decide on a
/// credit-only make-good.
/// </summary>
public sealed record StandingsCorrectionReported(
    string ContestId,
    StatCorrectionRecorded Correction,
    int CorrectionsSoFar,
    string FinalStandingsHash,
    string CorrectedStandingsHash,
    int ChangedCount,
    IReadOnlyList<StandingChange> Changes,
    DateTimeOffset ReportedAt) : IMessage
{
    public const string MessageType = "StandingsCorrectionReported";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public const int ChangesMax = 100;
    public static string MessageIdFor(string contestId, string gameId, long sequence) =>
        $"standings:{contestId}:correction:{gameId}:{sequence}";
}

/// <summary>
/// A stat correction that arrived after the contest was COMPLETE; <see cref="PreviousValue"/> is null for a stat first
/// seen then.
/// </summary>
public sealed record StatCorrectionRecorded(string GameId, long Sequence, string AthleteId, string Stat,
    long? PreviousValue, long CorrectedValue);

/// <summary>One entry whose rank or score the corrections would change: official, then corrected.</summary>
public sealed record StandingChange(string EntryId, string PlayerId, int FinalRank, long FinalScoreMilli,
    int CorrectedRank, long CorrectedScoreMilli);
