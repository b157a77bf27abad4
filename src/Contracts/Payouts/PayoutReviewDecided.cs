using ContestPipeline.Contracts.Operations;

namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// An operator's decision on a held (or failed) payout (topic <c>payouts.due</c>, key:
/// contest id). It names the payout only: an operator can release or reject a payout, never
/// change its amount or recipient. <see cref="DecisionId"/> is unique per decision, so a
/// decision re-sent is applied once. It names the hold it decides, as the operator saw it:
/// <see cref="HoldKind"/> (a hold kind such as <c>review</c>, or for a payout not held its
/// state, <c>failed</c> or <c>awaiting_account</c>) and <see cref="PayoutVersion"/>; a
/// decision whose hold or version is not the payout's current one is refused as stale
/// (added in schema 1 as optional; a decision without them is refused).
/// </summary>
public sealed record PayoutReviewDecided(
    string DecisionId,
    string PayoutId,
    string ContestId,
    string Decision,
    string Operator,
    string Reason,
    DateTimeOffset DecidedAt,
    string? HoldKind = null,
    int? PayoutVersion = null) : IMessage, IOperatorDecision
{
    public const string MessageType = "PayoutReviewDecided";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public const string Release = "release";
    public const string Reject = "reject";
    public static string MessageIdFor(string decisionId) => $"review:{decisionId}";
}
