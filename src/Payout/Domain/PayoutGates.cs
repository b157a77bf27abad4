using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.Domain;

/// <summary>What the gates know about one payout at dispatch time.</summary>
public sealed record GateInput(
    long AmountMinor,
    bool Released,
    bool PaymentFrozen,
    RecipientView? Recipient,
    RecipientActivity Activity,
    long? BalanceLeftMinor);

/// <summary>The winner's connected account as Payout knows it.</summary>
public sealed record RecipientView(string AccountId, bool CanReceive, DateTimeOffset AccountCreatedAt);

/// <summary>
/// The recipient's payouts already sent or being sent: in the rolling 24 hours (count, amount,
/// and when the oldest of them leaves the window) and in this calendar month (UTC).
/// </summary>
public sealed record RecipientActivity(int DayCount, long DayAmountMinor, DateTimeOffset? DayOldestAt, long MonthAmountMinor);

public abstract record GateDecision
{
    public sealed record Submit(string AccountId) : GateDecision;
    public sealed record AwaitAccount(string Reason) : GateDecision;
    /// <summary>Held; <paramref name="ResumeAt"/> is when to look again for holds that resume by themselves.</summary>
    public sealed record Hold(string Kind, string Reason, DateTimeOffset? ResumeAt) : GateDecision;
}

/// <summary>
/// The checks a payout passes before its transfer is sent, in order: a frozen entry fee, an
/// account that can receive, then (unless an operator released it) the maximum single payout,
/// the review threshold, the new-account cap, the monthly amount, the daily count and amount;
/// last the platform balance. Pure: the dispatcher gathers the input and acts on the decision.
/// </summary>
public static class PayoutGates
{
    public static GateDecision Evaluate(GateInput p, PayoutOptions o, DateTimeOffset now)
    {
        if (p.PaymentFrozen && !p.Released)
            return new GateDecision.Hold(HoldKinds.Frozen, "the entry fee behind this prize was refunded or disputed", null);
        if (p.Recipient is null)
            return new GateDecision.AwaitAccount("the winner has no connected account yet");
        if (!p.Recipient.CanReceive)
            return new GateDecision.AwaitAccount($"account {p.Recipient.AccountId} cannot receive transfers yet (onboarding not finished)");

        if (!p.Released)
        {
            if (p.AmountMinor > o.MaxSingleMinor)
                return new GateDecision.Hold(HoldKinds.Limit, $"{p.AmountMinor} is above the maximum single payout of {o.MaxSingleMinor}", null);
            if (p.AmountMinor > o.ReviewThresholdMinor)
                return new GateDecision.Hold(HoldKinds.Review, $"{p.AmountMinor} is above the review threshold of {o.ReviewThresholdMinor}", null);
            var ageEnds = p.Recipient.AccountCreatedAt + o.NewAccountAge;
            if (p.AmountMinor > o.NewAccountMaxMinor && now < ageEnds)
                return new GateDecision.Hold(HoldKinds.NewAccount,
                    $"{p.AmountMinor} is above the cap of {o.NewAccountMaxMinor} for accounts younger than {o.NewAccountAge.TotalDays:0} days", ageEnds);
            if (checked(p.Activity.MonthAmountMinor + p.AmountMinor) > o.MonthlyAmountMaxMinor)
                return new GateDecision.Hold(HoldKinds.Limit,
                    $"the recipient's payouts this month would reach {p.Activity.MonthAmountMinor + p.AmountMinor}, above {o.MonthlyAmountMaxMinor}", null);
            var windowFrees = (p.Activity.DayOldestAt ?? now) + TimeSpan.FromHours(24);
            if (p.Activity.DayCount >= o.DailyCountMax)
                return new GateDecision.Hold(HoldKinds.Velocity,
                    $"the recipient already has {p.Activity.DayCount} payouts in 24 hours (at most {o.DailyCountMax})", windowFrees);
            if (checked(p.Activity.DayAmountMinor + p.AmountMinor) > o.DailyAmountMaxMinor)
                return new GateDecision.Hold(HoldKinds.Velocity,
                    $"the recipient's payouts in 24 hours would reach {p.Activity.DayAmountMinor + p.AmountMinor}, above {o.DailyAmountMaxMinor}", windowFrees);
        }

        if (p.BalanceLeftMinor is { } left && left < p.AmountMinor)
            return new GateDecision.Hold(HoldKinds.Balance,
                $"the platform's available balance ({left} after this round's other payouts) cannot cover {p.AmountMinor}", now + o.BalanceRecheck);
        return new GateDecision.Submit(p.Recipient.AccountId);
    }
}

/// <summary>What a connected account can do, as Payout needs it.</summary>
public static class Recipients
{
    /// <summary>An account can receive prize transfers once its transfers capability is active.</summary>
    public static bool CanReceive(StripeAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return account.Capabilities.Transfers == StripeAccountCapabilities.Active;
    }
}
