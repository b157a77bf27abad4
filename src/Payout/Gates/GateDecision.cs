using ContestPipeline.Payout.Transfers;

namespace ContestPipeline.Payout.Gates;

/// <summary>
/// What the gates decide of a payout: send it to the account named, wait for an account that can receive, or hold it.
/// </summary>
public abstract record GateDecision
{
    public sealed record Submit(string AccountId) : GateDecision;
    public sealed record AwaitAccount(string Reason) : GateDecision;
    /// <summary>Held; <paramref name="ResumeAt"/> is when to look again for holds that resume by themselves.</summary>
    public sealed record Hold(PayoutHold Kind, string Reason, DateTimeOffset? ResumeAt) : GateDecision;
}
