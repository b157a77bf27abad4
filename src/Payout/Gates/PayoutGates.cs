using System.Globalization;
using ContestPipeline.Payout.Disputes;
using ContestPipeline.Payout.Transfers;

namespace ContestPipeline.Payout.Gates;

/// <summary>
/// The checks a payout passes before its transfer is sent, in order: a freeze on the entry
/// fee, an account that can receive, then (each unless an operator's release waived it) the
/// maximum single payout, review (the review threshold, the suspicious patterns and a recent dispute or refund), the
/// new-account cap, the monthly amount, the daily count and amount and the spacing between
/// two payouts to one recipient; last the platform balance. Pure: the dispatcher gathers the
/// input and acts on the decision.
/// </summary>
public static class PayoutGates
{
    public static GateDecision Evaluate(GateInput p, PayoutOptions o, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(o);
        if (Frozen(p) is { } frozen) return frozen;
        if (p.Recipient is null)
            return new GateDecision.AwaitAccount("the winner has no connected account yet");
        if (!p.Recipient.CanReceive)
            return new GateDecision.AwaitAccount($"account {p.Recipient.AccountId} cannot receive transfers yet " +
                "(onboarding not finished)");

        var a = p.Activity;
        if (!Waived(p, PayoutHold.Limit) && p.AmountMinor > o.SingleAmountMaxMinor)
            return new GateDecision.Hold(PayoutHold.Limit, $"{p.AmountMinor} is above the maximum single payout of " +
                $"{o.SingleAmountMaxMinor}", null);
        var chargebacks = DisputeRules.ReviewReasons(p.Chargebacks ?? [], p.PaymentIntentId, o, now);
        if (!Waived(p, PayoutHold.Review)
            && ReviewReasons(p.AmountMinor, a, o).Concat(chargebacks).ToList() is { Count: > 0 } review)
            return new GateDecision.Hold(PayoutHold.Review, string.Join("; ", review), null);
        var ageEnds = p.Recipient.AccountCreatedAt + o.NewAccountAge;
        if (!Waived(p, PayoutHold.NewAccount) && p.AmountMinor > o.NewAccountAmountMaxMinor && now < ageEnds)
            return new GateDecision.Hold(PayoutHold.NewAccount,
                $"{p.AmountMinor} is above the cap of {o.NewAccountAmountMaxMinor} for accounts younger than " +
                $"{o.NewAccountAge.TotalDays.ToString("0", CultureInfo.InvariantCulture)} days", ageEnds);
        if (!Waived(p, PayoutHold.Limit)
            && checked(a.MonthAmountMinor + p.AmountMinor) > o.MonthlyAmountMaxMinor)
            return new GateDecision.Hold(PayoutHold.Limit,
                $"the recipient's payouts this month would reach {a.MonthAmountMinor + p.AmountMinor}, above " +
                $"{o.MonthlyAmountMaxMinor}", null);
        if (!Waived(p, PayoutHold.Velocity) && Velocity(p.AmountMinor, a, o, now) is { } velocity)
            return velocity;

        if (p.BalanceLeftMinor is { } left && left < p.AmountMinor)
            return new GateDecision.Hold(PayoutHold.Balance,
                $"the platform's available balance ({left} after this round's other payouts) cannot cover " +
                $"{p.AmountMinor}", now + o.BalanceRecheck);
        return new GateDecision.Submit(p.Recipient.AccountId);
    }

    /// <summary>
    /// The gates an outside event can close between a payout's claim and its transfer's POST, checked again just
    /// before it: a freeze on its entry fee (a dispute, a refund outside the pipeline), then, unless review was
    /// waived, a recent dispute or refund on another of the recipient's entry fees. The others were decided at the
    /// claim, with the recipient's other payouts locked, and nothing but time changes them; the account's answer is
    /// Stripe's own at the POST. Null: it may go.
    /// </summary>
    public static GateDecision.Hold? ClosedSinceClaim(GateInput p, PayoutOptions o, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(o);
        if (Frozen(p) is { } frozen) return frozen;
        return !Waived(p, PayoutHold.Review)
            && DisputeRules.ReviewReasons(p.Chargebacks ?? [], p.PaymentIntentId, o, now) is { Count: > 0 } reasons
            ? new GateDecision.Hold(PayoutHold.Review, string.Join("; ", reasons), null)
            : null;
    }

    /// <summary>Whether an operator's release waived the gate of <paramref name="hold"/>.</summary>
    private static bool Waived(GateInput p, PayoutHold hold) => p.Waived.Contains(Waivers.Gate(hold));

    private static GateDecision.Hold? Frozen(GateInput p) =>
        p.Freezes.Where(f => !p.Waived.Contains(Waivers.Freeze(f))).ToList() is { Count: > 0 } frozen
            ? new GateDecision.Hold(PayoutHold.Frozen, "the entry fee behind this prize was refunded or disputed " +
                $"({string.Join(", ", frozen.Select(Describe))})", null)
            : null;

    /// <summary>
    /// Why an operator should look at this payout first: above the review threshold, or one
    /// of the suspicious patterns (a payout that would be the n-th in 24 hours, a first payout
    /// above its cap, a payout that is most of what the recipient ever won). Every reason
    /// that applies, so a release is made knowing all of them.
    /// </summary>
    public static IReadOnlyList<string> ReviewReasons(long amountMinor, RecipientActivity a, PayoutOptions o)
    {
        var reasons = new List<string>();
        if (amountMinor > o.ReviewThresholdMinor)
            reasons.Add($"{amountMinor} is above the review threshold of {o.ReviewThresholdMinor}");
        if (a.DayCount + 1 >= o.SuspiciousDayCountMin)
            reasons.Add($"suspicious: it would be the recipient's payout number {a.DayCount + 1} in 24 hours (review " +
                $"from {o.SuspiciousDayCountMin})");
        if (a.LifetimeCount == 0 && amountMinor > o.SuspiciousFirstPayoutMinor)
            reasons.Add($"suspicious: a first payout of {amountMinor}, above {o.SuspiciousFirstPayoutMinor}");
        var lifetime = checked(a.LifetimeAmountMinor + amountMinor);
        if (a.LifetimeCount > 0 && checked(amountMinor * 10_000) > checked(lifetime * o.SuspiciousLifetimeShareBp))
            reasons.Add($"suspicious: {amountMinor} is more than {o.SuspiciousLifetimeShareBp / 100} % of the " +
                $"recipient's lifetime winnings of {lifetime}");
        return reasons;
    }

    /// <summary>
    /// The daily count and amount, then the spacing since the last payout: each holds until the time it frees up.
    /// </summary>
    private static GateDecision.Hold? Velocity(long amountMinor, RecipientActivity a,
        PayoutOptions o, DateTimeOffset now)
    {
        var windowFrees = (a.DayOldestAt ?? now) + TimeSpan.FromHours(24);
        if (a.DayCount >= o.DailyCountMax)
            return new GateDecision.Hold(PayoutHold.Velocity,
                $"the recipient already has {a.DayCount} payouts in 24 hours (at most {o.DailyCountMax})", windowFrees);
        if (checked(a.DayAmountMinor + amountMinor) > o.DailyAmountMaxMinor)
            return new GateDecision.Hold(PayoutHold.Velocity,
                $"the recipient's payouts in 24 hours would reach {a.DayAmountMinor + amountMinor}, above " +
                $"{o.DailyAmountMaxMinor}", windowFrees);
        if (a.LastAt is { } last && now < last + o.RecipientPayoutSpacing)
            return new GateDecision.Hold(PayoutHold.Velocity,
                $"the recipient was paid at {last.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}; " +
                "payouts to one recipient are at least " +
                $"{o.RecipientPayoutSpacing.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s apart",
                last + o.RecipientPayoutSpacing);
        return null;
    }

    private static string Describe(string freezeId) =>
        freezeId.StartsWith(Freezes.RefundedPrefix, StringComparison.Ordinal)
        ? "refunded outside the pipeline" : "dispute " + freezeId;
}
