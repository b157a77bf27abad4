namespace ContestPipeline.Contracts.Lifecycle;

/// <summary>
/// What a correction reported after COMPLETE would owe the entries it favours (topic
/// <c>contest.lifecycle</c>, key: contest id), assessed by Settlement once the contest is
/// settled: for every entry whose corrected standing pays a larger net prize than the official
/// one, the difference, less make-goods already booked. Credit-only: nobody is ever asked for
/// money back. <see cref="Complete"/> is false when the report listed fewer changes than it
/// counted (then <see cref="Note"/> says so and nothing can be proposed).
/// </summary>
public sealed record MakeGoodsAssessed(
    string ContestId,
    int CorrectionsSoFar,
    string CorrectedStandingsHash,
    string Currency,
    IReadOnlyList<MakeGoodItem> Items,
    long TotalMinor,
    bool Complete,
    string Note,
    DateTimeOffset AssessedAt) : IMessage
{
    public const string MessageType = "MakeGoodsAssessed";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string contestId, int correctionsSoFar) =>
        $"contest:{contestId}:make-goods-assessed:{correctionsSoFar}";
}
