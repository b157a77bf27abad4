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
