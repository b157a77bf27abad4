using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout;
using ContestPipeline.Payout.Disputes;
using ContestPipeline.Payout.Gates;
using ContestPipeline.Payout.Recipients;
using ContestPipeline.Payout.Transfers;

namespace ContestPipeline.Tests.Payout;

/// <summary>The gates a payout passes before its transfer, in their order, as pure logic.</summary>
public sealed class PayoutGatesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private static readonly PayoutOptions Options = new();
    private static readonly RecipientView OldAccount = new("acct_old", true, Now.AddDays(-90));
    /// <summary>
    /// A recipient paid once before, long ago, 500.00: the suspicious patterns stay quiet for ordinary prizes.
    /// </summary>
    private static readonly RecipientActivity Quiet = new(0, 0, null, 0, LifetimeCount: 1, LifetimeAmountMinor: 500_00,
        LastAt: Now.AddDays(-40));

    private static GateDecision Gate(long amount, RecipientView? recipient = null, RecipientActivity? activity = null,
        string[]? waived = null,
        string[]? freezes = null, long? balance = 100_000_00, PayoutOptions? options = null) =>
        PayoutGates.Evaluate(new GateInput(amount, waived ?? [], freezes ?? [], recipient ?? OldAccount,
            activity ?? Quiet, balance), options ?? Options, Now);

    private static string Kind(GateDecision d) => d switch
    {
        GateDecision.Submit => "submit",
        GateDecision.AwaitAccount => "account",
        GateDecision.Hold h => PayoutLifecycle.HoldName(h.Kind),
        _ => "?",
    };

    private static readonly string[] EveryWaiver = [HoldKinds.Review, HoldKinds.Limit, HoldKinds.NewAccount,
        HoldKinds.Velocity];

    [Fact]
    public void An_ordinary_prize_to_an_account_that_can_receive_is_sent() =>
        Assert.Equal(new GateDecision.Submit("acct_old"), Gate(50_00));

    [Fact]
    public void Without_an_account_or_with_one_still_onboarding_the_payout_waits()
    {
        Assert.IsType<GateDecision.AwaitAccount>(
            PayoutGates.Evaluate(new GateInput(50_00, [], [], null, Quiet, 1_000_00), Options, Now));
        Assert.IsType<GateDecision.AwaitAccount>(Gate(50_00, OldAccount with { CanReceive = false }));
    }

    [Theory]
    [InlineData(10_000_01, HoldKinds.Limit)]      // above the maximum single payout
    [InlineData(10_000_00, HoldKinds.Review)]     // at the maximum, above the review threshold
    [InlineData(5_000_01, HoldKinds.Review)]
    [InlineData(5_000_00, HoldKinds.Review)]      // at the threshold is not above it, but 5,000.00 is more than
                                                  // 80 % of 5,500.00
    public void Amounts_above_the_maximum_or_the_review_threshold_are_held_for_an_operator(long amount,
        string expected) =>
        Assert.Equal(expected, Kind(Gate(amount)));

    [Fact]
    public void At_the_review_threshold_with_a_history_that_makes_it_unremarkable_the_payout_is_sent() =>
        Assert.Equal("submit", Kind(Gate(5_000_00, activity: Quiet with { LifetimeAmountMinor = 20_000_00 })));

    [Fact]
    public void A_new_account_above_its_cap_is_held_until_it_is_old_enough()
    {
        var young = OldAccount with { AccountCreatedAt = Now.AddDays(-3) };
        var hold = Assert.IsType<GateDecision.Hold>(
            Gate(1_000_01, young, Quiet with { LifetimeAmountMinor = 10_000_00 }));
        Assert.Equal((PayoutHold.NewAccount, (DateTimeOffset?)young.AccountCreatedAt.AddDays(30)),
            (hold.Kind, hold.ResumeAt));
        Assert.Equal("submit", Kind(Gate(1_000_00, young, Quiet with { LifetimeAmountMinor = 10_000_00 })));
    }

    [Fact]
    public void Velocity_limits_hold_until_the_rolling_day_frees_up_and_the_monthly_limit_needs_an_operator()
    {
        var oldest = Now.AddHours(-20);
        var three = new RecipientActivity(3, 300_00, oldest, 300_00, 3, 300_00, Now.AddHours(-10));
        var hold = Assert.IsType<GateDecision.Hold>(Gate(10_00, activity: three));
        Assert.Equal((PayoutHold.Velocity, (DateTimeOffset?)oldest.AddHours(24)), (hold.Kind, hold.ResumeAt));
        var rich = new RecipientActivity(1, 24_000_00, oldest, 24_000_00, 10, 200_000_00, Now.AddHours(-10));
        Assert.Equal(HoldKinds.Velocity, Kind(Gate(2_000_00, activity: rich)));
        Assert.Equal(HoldKinds.Limit, Kind(
            Gate(2_000_00, activity: new RecipientActivity(0, 0, null, 99_000_00, 10, 200_000_00, Now.AddDays(-2)))));
    }

    [Fact]
    public void Two_payouts_to_one_recipient_are_at_least_the_spacing_apart_and_the_second_resumes_by_itself()
    {
        var last = Now.AddMinutes(-2);
        var hold = Assert.IsType<GateDecision.Hold>(
            Gate(10_00, activity: new RecipientActivity(1, 10_00, last, 10_00, 5, 500_00, last)));
        Assert.Equal((PayoutHold.Velocity, (DateTimeOffset?)last.AddMinutes(5)), (hold.Kind, hold.ResumeAt));
        Assert.True(PayoutLifecycle.ResumesByItself(hold.Kind));
        Assert.Equal("submit", Kind(Gate(10_00,
            activity: new RecipientActivity(1, 10_00, Now.AddMinutes(-5), 10_00, 5, 500_00, Now.AddMinutes(-5)))));
    }

    public static TheoryData<string, long, RecipientActivity, bool> Suspicious => new()
    {
        // The seed's suspicious patterns: each holds for review, and its edge does not.
        { "a fifth payout in 24 hours", 10_00,
            new RecipientActivity(4, 40_00, Now.AddHours(-5), 40_00, 40, 4_000_00, Now.AddHours(-1)), true },
        { "a fourth payout in 24 hours", 10_00,
            new RecipientActivity(3, 30_00, Now.AddHours(-5), 30_00, 40, 4_000_00, Now.AddHours(-1)), false },
        { "a first payout above 2,000.00", 2_000_01, RecipientActivity.None, true },
        { "a first payout of 2,000.00", 2_000_00, RecipientActivity.None, false },
        { "more than 80 % of lifetime winnings", 400_01,
            new RecipientActivity(0, 0, null, 0, 1, 100_00, Now.AddDays(-60)), true },
        { "exactly 80 % of lifetime winnings", 400_00,
            new RecipientActivity(0, 0, null, 0, 1, 100_00, Now.AddDays(-60)), false },
    };

    [Theory]
    [MemberData(nameof(Suspicious))]
    public void The_suspicious_patterns_hold_for_review(string pattern, long amount, RecipientActivity activity,
        bool held)
    {
        var options = Options with { DailyCountMax = 10 };
        var decision = Gate(amount, activity: activity, options: options);
        Assert.True(held == (Kind(decision) == HoldKinds.Review), $"{pattern}: {decision}");
        if (held) Assert.Contains("suspicious", ((GateDecision.Hold)decision).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_review_hold_names_every_reason_that_applies()
    {
        var hold = Assert.IsType<GateDecision.Hold>(Gate(6_000_00, activity: RecipientActivity.None));
        Assert.Equal(PayoutHold.Review, hold.Kind);
        Assert.Contains("review threshold", hold.Reason, StringComparison.Ordinal);
        Assert.Contains("first payout", hold.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_release_waives_the_hold_it_released_and_never_the_account_or_the_balance()
    {
        var busy = new RecipientActivity(9, 90_000_00, Now, 200_000_00, 30, 300_000_00, Now);
        Assert.Equal(HoldKinds.Limit, Kind(Gate(20_000_00, activity: busy, waived: [HoldKinds.Review])));
        Assert.Equal(HoldKinds.Review, Kind(Gate(20_000_00, activity: busy, waived: [HoldKinds.Limit])));
        Assert.Equal(HoldKinds.Velocity,
            Kind(Gate(20_000_00, activity: busy, waived: [HoldKinds.Limit, HoldKinds.Review])));
        Assert.Equal("submit", Kind(Gate(20_000_00, activity: busy, waived: EveryWaiver)));
        Assert.Equal("account", Kind(Gate(20_000_00, OldAccount with { CanReceive = false }, waived: EveryWaiver)));
        Assert.Equal(HoldKinds.Balance, Kind(Gate(20_000_00, waived: EveryWaiver, balance: 19_999_99)));
    }

    [Fact]
    public void A_freeze_holds_the_prize_before_anything_else_and_a_release_waives_only_the_freezes_it_saw()
    {
        Assert.Equal(HoldKinds.Frozen,
            Kind(PayoutGates.Evaluate(new GateInput(50_00, [], ["dp_1"], null, Quiet, 0), Options, Now)));
        Assert.Equal("submit", Kind(Gate(50_00, freezes: ["dp_1"], waived: [Waivers.Freeze("dp_1")])));
        var again = Assert.IsType<GateDecision.Hold>(
            Gate(50_00, freezes: ["dp_1", Freezes.OfRefund(50_00)], waived: [Waivers.Freeze("dp_1")]));
        Assert.Equal(PayoutHold.Frozen, again.Kind);
        Assert.Contains("refunded outside the pipeline", again.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("dp_1", again.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void What_a_release_waives_is_the_kind_it_released_or_the_freezes_in_force()
    {
        Assert.Equal([HoldKinds.Review], Waivers.ForRelease(PayoutHold.Review, ["dp_1"]));
        Assert.Equal(["freeze:dp_1", "freeze:refunded:1000"],
            Waivers.ForRelease(PayoutHold.Frozen, ["dp_1", "refunded:1000"]));
        Assert.Empty(Waivers.ForRelease(PayoutHold.Balance, []));
    }

    [Fact]
    public void The_balance_is_checked_last_and_a_balance_hold_resumes_by_itself()
    {
        var hold = Assert.IsType<GateDecision.Hold>(Gate(50_00, balance: 49_99));
        Assert.Equal(PayoutHold.Balance, hold.Kind);
        Assert.True(PayoutLifecycle.ResumesByItself(hold.Kind));
        Assert.False(HoldKinds.ResumesByItself(HoldKinds.Review));
    }

    /// <summary>
    /// Just before a claimed payout's transfer: only what an outside event can have changed since its claim holds it.
    /// A large first prize to a new account over every limit was let go at its claim (by a release): nothing
    /// decided there is decided again.
    /// </summary>
    [Theory]
    [InlineData("nothing new", null)]
    [InlineData("its fee disputed", HoldKinds.Frozen)]
    [InlineData("its fee disputed, released", null)]
    [InlineData("another fee disputed", HoldKinds.Review)]
    [InlineData("another fee disputed, review released", null)]
    [InlineData("its own fee's dispute only", HoldKinds.Frozen)]
    public void Just_before_its_transfer_a_claimed_payout_is_held_only_by_what_came_since_its_claim(string since,
        string? held)
    {
        var disputed = new Chargeback("pi_own", "dp_own", FreezeCause.Disputed, Now.AddMinutes(-1));
        var elsewhere = new Chargeback("pi_other", "dp_other", FreezeCause.Disputed, Now.AddMinutes(-1));
        var (freezes, chargebacks, waived) = since switch
        {
            "nothing new" => (Array.Empty<string>(), Array.Empty<Chargeback>(), EveryWaiver),
            "its fee disputed" => (["dp_own"], [disputed], EveryWaiver),
            "its fee disputed, released" => (["dp_own"], [disputed], [.. EveryWaiver, Waivers.Freeze("dp_own")]),
            "another fee disputed" => ([], [elsewhere], [HoldKinds.Limit, HoldKinds.NewAccount, HoldKinds.Velocity]),
            "another fee disputed, review released" => ([], [elsewhere], EveryWaiver),
            _ => (["dp_own"], new[] { disputed }, Array.Empty<string>()),
        };
        var newAccount = OldAccount with { AccountCreatedAt = Now.AddDays(-1) };
        var busy = new RecipientActivity(50, 10_000_000_00, Now.AddHours(-1), 10_000_000_00, LastAt: Now);
        var input = new GateInput(1_000_000_00, waived, freezes, newAccount, busy, 0, chargebacks, "pi_own");
        Assert.Equal(held, PayoutLifecycle.HoldName(PayoutGates.ClosedSinceClaim(input, Options, Now)?.Kind));
    }
}
