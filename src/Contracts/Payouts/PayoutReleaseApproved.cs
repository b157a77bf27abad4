using ContestPipeline.Contracts.Operations;

namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// One approval of a release that needs two (the payout is above the second-approval amount):
/// recorded by Payout, which releases the payout only when a second, different operator has
/// approved too (topic <c>payouts.status</c>, key: contest id).
/// </summary>
public sealed record PayoutReleaseApproved(
    string PayoutId,
    string ContestId,
    string DecisionId,
    string Operator,
    string Reason,
    int Approvals,
    int ApprovalsNeeded,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "PayoutReleaseApproved";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string payoutId, string decisionId) => $"payout:{payoutId}:approval:{decisionId}";
}
