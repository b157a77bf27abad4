using System.Text.Json.Serialization;

namespace ContestPipeline.Contracts.Operations;

/// <summary>
/// An approver proposes the credit-only make-goods Settlement assessed for a contest after a
/// correction reported after COMPLETE (<c>MakeGoodsAssessed</c> with the same
/// <see cref="CorrectionsSoFar"/>); nothing is booked until a second approver confirms
/// (topic <c>operations</c>, key: the contest id). <see cref="TotalMinor"/> is what the proposer saw.
/// <see cref="PayoutSeal"/> is the proposer's seal of the proposal's terms for Payout (<c>MakeGoodTerms.Of</c>,
/// src/Plumbing/Messaging/MakeGoodSeals.cs): Settlement carries it to Payout, which pays a make-good only under two
/// operators' seals it verifies itself. A proposal without one is refused.
/// </summary>
public sealed record MakeGoodProposed(
    string DecisionId,
    string ContestId,
    int CorrectionsSoFar,
    long TotalMinor,
    string Currency,
    string Operator,
    string Reason,
    DateTimeOffset DecidedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    OperatorSeal? PayoutSeal = null) : IMessage, IOperatorDecision
{
    public const string MessageType = "MakeGoodProposed";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string decisionId) => $"make-good-proposal:{decisionId}";
}
