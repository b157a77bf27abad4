using ContestPipeline.Contracts.Operations;

namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// The emergency stop (topic <c>payouts.control</c>, key: <see cref="Key"/>): an admin halts every
/// automated transfer and refund, or resumes them. Payout applies it through its inbox within
/// seconds, whatever <c>payouts.due</c> is doing: no new Stripe call starts while halted (a
/// call already in flight completes), and Payout says so with <see cref="PayoutDispatchChanged"/>
/// on <c>payouts.status</c>. A halt always applies, however late; a resume names the halt it
/// ends (<see cref="Ends"/>, that halt's <see cref="DecisionId"/>; added in schema 1 as
/// optional) and is refused unless that halt is the one in force. Published on
/// <c>payouts.due</c> before <c>payouts.control</c> existed: a halt from there still applies, a
/// resume from there is refused.
/// </summary>
public sealed record PayoutDispatchDecided(string DecisionId, string Action, string Operator, string Reason,
    DateTimeOffset DecidedAt,
    string? Ends = null) : IMessage, IOperatorDecision
{
    public const string MessageType = "PayoutDispatchDecided";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public const string Halt = "halt";
    public const string Resume = "resume";
    /// <summary>One key for every halt and resume, so they stay in order.</summary>
    public const string Key = "payouts:dispatch";
    public static string MessageIdFor(string decisionId) => $"dispatch:{decisionId}";
}

/// <summary>
/// Payout halted or resumed its automated transfers and refunds (topic <c>payouts.status</c>,
/// key: <see cref="PayoutDispatchDecided.Key"/>), naming the decision that did it.
/// </summary>
public sealed record PayoutDispatchChanged(string DecisionId, bool Halted, string Operator, string Reason,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "PayoutDispatchChanged";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string decisionId) => $"dispatch:{decisionId}:applied";
}

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

/// <summary>
/// What Payout made of one Stripe event (topic <c>payouts.status</c>, key: the Stripe object
/// id): the outcome it keeps in its own table, published so operators see webhooks' fate.
/// </summary>
public sealed record StripeEventHandled(string EventId, string EventType, string ObjectId, string? Account,
    string Outcome, DateTimeOffset At) : IMessage
{
    public const string MessageType = "StripeEventHandled";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string eventId) => $"stripe-event:{eventId}:handled";
}

/// <summary>
/// The two-person rule for releases: a release of more than this many minor units needs two
/// approvers. Payout enforces it (a single release above it is recorded as the first
/// approval, not applied); the console reads the same setting to say so beforehand.
/// </summary>
public static class TwoPersonRule
{
    public const string Setting = "CONTESTPIPELINE_PAYOUT_SECOND_APPROVAL_ABOVE_MINOR";
    public const long AboveMinorDefault = 1_000_000;
    public const int ApprovalsNeeded = 2;
}
