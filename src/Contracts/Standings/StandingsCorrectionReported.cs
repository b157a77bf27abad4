namespace ContestPipeline.Contracts.Standings;

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
