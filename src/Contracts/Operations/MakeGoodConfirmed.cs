using System.Text.Json.Serialization;

namespace ContestPipeline.Contracts.Operations;

/// <summary>
/// A second approver, not the proposer, confirms a make-good proposal (<see cref="ProposalId"/>
/// is its DecisionId); Settlement then books each make-good once and orders its payment
/// (topic <c>operations</c>, key: the contest id). The confirmation is bound to what the
/// confirmer saw: <see cref="TotalMinor"/> and <see cref="Currency"/> are the proposal's total,
/// <see cref="Terms"/> its <see cref="MakeGoodTerms.Of"/> (proposal, report, and every recipient
/// with its amount). One that names no terms, or other terms than Settlement recorded, or a
/// proposal superseded or expired, books nothing. <see cref="PayoutSeal"/> is the confirmer's seal of the same
/// terms for Payout, as the proposal's (<see cref="MakeGoodProposed.PayoutSeal"/>); a confirmation without one is
/// refused.
/// </summary>
public sealed record MakeGoodConfirmed(
    string DecisionId,
    string ContestId,
    string ProposalId,
    string Operator,
    string Reason,
    DateTimeOffset DecidedAt,
    long? TotalMinor = null,
    string? Currency = null,
    string? Terms = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    OperatorSeal? PayoutSeal = null) : IMessage, IOperatorDecision
{
    public const string MessageType = "MakeGoodConfirmed";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string decisionId) => $"make-good-confirmation:{decisionId}";
}
