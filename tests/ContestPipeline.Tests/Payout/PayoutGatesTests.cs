using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Domain;

namespace ContestPipeline.Tests.Payout;

/// <summary>The gates a payout passes before its transfer, in their order, as pure logic.</summary>
public sealed class PayoutGatesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private static readonly PayoutOptions Options = new();
    private static readonly RecipientView OldAccount = new("acct_old", true, Now.AddDays(-90));
    private static readonly RecipientActivity Quiet = new(0, 0, null, 0);

    private static GateDecision Gate(long amount, RecipientView? recipient = null, RecipientActivity? activity = null, bool released = false,
        bool frozen = false, long? balance = 100_000_00) =>
        PayoutGates.Evaluate(new GateInput(amount, released, frozen, recipient ?? OldAccount, activity ?? Quiet, balance), Options, Now);

    private static string Kind(GateDecision d) => d switch
    {
        GateDecision.Submit => "submit",
        GateDecision.AwaitAccount => "account",
        GateDecision.Hold h => h.Kind,
        _ => "?",
    };

    [Fact]
    public void An_ordinary_prize_to_an_account_that_can_receive_is_sent() =>
        Assert.Equal(new GateDecision.Submit("acct_old"), Gate(50_00));

    [Fact]
    public void Without_an_account_or_with_one_still_onboarding_the_payout_waits()
    {
        Assert.IsType<GateDecision.AwaitAccount>(PayoutGates.Evaluate(new GateInput(50_00, false, false, null, Quiet, 1_000_00), Options, Now));
        Assert.IsType<GateDecision.AwaitAccount>(Gate(50_00, OldAccount with { CanReceive = false }));
    }

    [Theory]
    [InlineData(10_000_01, HoldKinds.Limit)]      // above the maximum single payout
    [InlineData(10_000_00, HoldKinds.Review)]     // at the maximum, above the review threshold
    [InlineData(5_000_01, HoldKinds.Review)]
    [InlineData(5_000_00, "submit")]              // at the threshold is not above it
    public void Amounts_above_the_maximum_or_the_review_threshold_are_held_for_an_operator(long amount, string expected) =>
        Assert.Equal(expected, Kind(Gate(amount)));

    [Fact]
    public void A_new_account_above_its_cap_is_held_until_it_is_old_enough()
    {
        var young = OldAccount with { AccountCreatedAt = Now.AddDays(-3) };
        var hold = Assert.IsType<GateDecision.Hold>(Gate(1_000_01, young));
        Assert.Equal((HoldKinds.NewAccount, (DateTimeOffset?)young.AccountCreatedAt.AddDays(30)), (hold.Kind, hold.ResumeAt));
        Assert.Equal("submit", Kind(Gate(1_000_00, young)));
    }

    [Fact]
    public void Velocity_limits_hold_until_the_rolling_day_frees_up_and_the_monthly_limit_needs_an_operator()
    {
        var oldest = Now.AddHours(-20);
        var three = new RecipientActivity(3, 300_00, oldest, 300_00);
        var hold = Assert.IsType<GateDecision.Hold>(Gate(10_00, activity: three));
        Assert.Equal((HoldKinds.Velocity, (DateTimeOffset?)oldest.AddHours(24)), (hold.Kind, hold.ResumeAt));
        Assert.Equal(HoldKinds.Velocity, Kind(Gate(2_000_00, activity: new RecipientActivity(1, 24_000_00, oldest, 24_000_00))));
        Assert.Equal(HoldKinds.Limit, Kind(Gate(2_000_00, activity: new RecipientActivity(0, 0, null, 99_000_00))));
    }

    [Fact]
    public void An_operator_release_passes_review_and_limits_but_never_the_account_or_the_balance()
    {
        Assert.Equal("submit", Kind(Gate(20_000_00, released: true, activity: new RecipientActivity(9, 90_000_00, Now, 200_000_00))));
        Assert.Equal("account", Kind(Gate(20_000_00, OldAccount with { CanReceive = false }, released: true)));
        Assert.Equal(HoldKinds.Balance, Kind(Gate(20_000_00, released: true, balance: 19_999_99)));
    }

    [Fact]
    public void A_frozen_entry_fee_holds_the_prize_before_anything_else_unless_released()
    {
        Assert.Equal(HoldKinds.Frozen, Kind(PayoutGates.Evaluate(new GateInput(50_00, false, true, null, Quiet, 0), Options, Now)));
        Assert.Equal("submit", Kind(Gate(50_00, frozen: true, released: true)));
    }

    [Fact]
    public void The_balance_is_checked_last_and_a_balance_hold_resumes_by_itself()
    {
        var hold = Assert.IsType<GateDecision.Hold>(Gate(50_00, balance: 49_99));
        Assert.Equal(HoldKinds.Balance, hold.Kind);
        Assert.True(HoldKinds.ResumesByItself(hold.Kind));
        Assert.False(HoldKinds.ResumesByItself(HoldKinds.Review));
    }
}
