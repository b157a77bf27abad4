namespace ContestPipeline.Contracts.Operations;

/// <summary>
/// An approver proposes the credit-only make-goods Settlement assessed for a contest after a
/// correction reported after COMPLETE (<c>MakeGoodsAssessed</c> with the same
/// <see cref="CorrectionsSoFar"/>); nothing is booked until a second approver confirms
/// (topic <c>operations</c>, key: the contest id). <see cref="TotalMinor"/> is what the proposer saw.
/// </summary>
public sealed record MakeGoodProposed(
    string DecisionId,
    string ContestId,
    int CorrectionsSoFar,
    long TotalMinor,
    string Currency,
    string Operator,
    string Reason,
    DateTimeOffset DecidedAt) : IMessage, IOperatorDecision
{
    public const string MessageType = "MakeGoodProposed";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string decisionId) => $"make-good-proposal:{decisionId}";
}
