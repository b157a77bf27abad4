namespace ContestPipeline.Contracts.Operations;

// Topic operations: operators' own decisions that order no worker to move money, and the
// audit trail of every operator action (console and cpctl). Each decision names who
// (Operator), why (Note or Reason) and when (DecidedAt), and carries a DecisionId unique per
// decision: the console makes one for every form it shows, so a form submitted twice is one
// decision, and the message id is derived from it. Key: the subject (the alert id, the
// contest id, or for OperatorActed the operator). The body says who decided; which producer
// may publish it is the transport's business (signing adds it to the publish path, not here).

/// <summary>An operator has seen an alert and is on it (topic <c>operations</c>, key: the alert id).</summary>
public sealed record AlertAcknowledged(string DecisionId, string AlertId, string Operator, string Note,
    DateTimeOffset DecidedAt)
    : IMessage, IOperatorDecision
{
    public const string MessageType = "AlertAcknowledged";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string decisionId) => $"alert-ack:{decisionId}";
}

/// <summary>An operator closed an alert, saying how (topic <c>operations</c>, key: the alert id).</summary>
public sealed record AlertResolved(string DecisionId, string AlertId, string Operator, string Note,
    DateTimeOffset DecidedAt)
    : IMessage, IOperatorDecision
{
    public const string MessageType = "AlertResolved";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string decisionId) => $"alert-resolve:{decisionId}";
}

/// <summary>
/// The audit trail: one operator action, whatever it was (sign-in, a decision published, a
/// contest defined or cancelled, an export), with who, their role, when, why and what came of
/// it (topic <c>operations</c>, key: the operator). <see cref="Action"/> is a stable verb
/// (<c>sign-in</c>, <c>payout-release</c>, <c>contest-define</c> ...); <see cref="Subject"/>
/// names what it acted on.
/// </summary>
public sealed record OperatorActed(
    string ActionId,
    string Operator,
    string Role,
    string Action,
    string Subject,
    string Reason,
    string Outcome,
    string Tool,
    DateTimeOffset At) : IMessage, IOperatorDecision
{
    public const string MessageType = "OperatorActed";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string actionId) => $"operator-action:{actionId}";
}

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

/// <summary>
/// A second approver, not the proposer, confirms a make-good proposal (<see cref="ProposalId"/>
/// is its DecisionId); Settlement then books each make-good once and orders its payment
/// (topic <c>operations</c>, key: the contest id). The confirmation is bound to what the
/// confirmer saw: <see cref="TotalMinor"/> and <see cref="Currency"/> are the proposal's total,
/// <see cref="Terms"/> its <see cref="MakeGoodTerms.Of"/> (proposal, report, and every recipient
/// with its amount). One that names no terms, or other terms than Settlement recorded, or a
/// proposal superseded or expired, books nothing.
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
    string? Terms = null) : IMessage, IOperatorDecision
{
    public const string MessageType = "MakeGoodConfirmed";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string decisionId) => $"make-good-confirmation:{decisionId}";
}

/// <summary>Operator roles, least to most powerful.</summary>
public static class OperatorRoles
{
    /// <summary>Sees every page; acts on nothing.</summary>
    public const string Viewer = "viewer";
    /// <summary>
    /// Also acknowledges and resolves alerts, releases and rejects payouts, proposes and confirms make-goods.
    /// </summary>
    public const string Approver = "approver";
    /// <summary>Also defines and cancels contests and halts and resumes payouts.</summary>
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Viewer, Approver, Admin];

    public static int Rank(string role) => role switch { Viewer => 0, Approver => 1, Admin => 2, _ => -1 };

    public static bool Allows(string role, string needed) => Rank(role) >= Rank(needed) && Rank(needed) >= 0;
}
