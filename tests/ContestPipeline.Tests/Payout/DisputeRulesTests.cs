using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout;
using ContestPipeline.Payout.Disputes;
using ContestPipeline.Payout.Gates;
using ContestPipeline.Payout.Recipients;
using ContestPipeline.Payout.Transfers;
using Microsoft.Extensions.Configuration;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// The dispute rules as pure logic: which disputes and refunds made outside the pipeline are within the review
/// window, the reason a review hold states, and when disputes are a surge that halts every payout.
/// </summary>
public sealed class DisputeRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private static readonly PayoutOptions Options = new();
    private static readonly RecipientView OldAccount = new("acct_old", true, Now.AddDays(-90));
    private static readonly RecipientActivity Quiet = new(0, 0, null, 0, LifetimeCount: 1, LifetimeAmountMinor: 500_00,
        LastAt: Now.AddDays(-40));

    private static Chargeback Dispute(string id, string paymentIntent, TimeSpan ago) =>
        new(paymentIntent, id, FreezeCause.Disputed, Now - ago);

    public static TheoryData<string, TimeSpan, int, bool> Windows => new()
    {
        // what, how long ago, the window in days, within it
        { "a moment ago", TimeSpan.FromSeconds(1), 30, true },
        { "29 days and 23:59:59 ago", TimeSpan.FromDays(30) - TimeSpan.FromSeconds(1), 30, true },
        { "exactly 30 days ago", TimeSpan.FromDays(30), 30, false },
        { "31 days ago", TimeSpan.FromDays(31), 30, false },
        { "dated a minute ahead of the clock", TimeSpan.FromMinutes(-1), 30, true },
        { "6 days ago in a 7-day window", TimeSpan.FromDays(6), 7, true },
        { "a moment ago with the rule off", TimeSpan.FromSeconds(1), 0, false },
    };

    [Theory]
    [MemberData(nameof(Windows))]
    public void Window_membership(string what, TimeSpan ago, int days, bool within) =>
        Assert.True(DisputeRules.WithinWindow(Now - ago, Now, TimeSpan.FromDays(days)) == within, what);

    [Fact]
    public void A_recent_dispute_or_refund_on_another_entry_fee_holds_the_payout_for_review_naming_each()
    {
        var history = new[]
        {
            new Chargeback("pi_b", "refunded:500", FreezeCause.Refunded, Now.AddDays(-2)),
            Dispute("dp_1", "pi_a", TimeSpan.FromDays(10)),
            Dispute("dp_old", "pi_c", TimeSpan.FromDays(45)),
        };
        var hold = Assert.IsType<GateDecision.Hold>(PayoutGates.Evaluate(
            new GateInput(50_00, [], [], OldAccount, Quiet, 100_000_00, history, "pi_prize"), Options, Now));
        Assert.Equal(PayoutHold.Review, hold.Kind);
        Assert.Equal(
            "recent dispute or refund: the recipient had dispute dp_1 on entry fee pi_a (2026-11-11T12:00:00Z), " +
            "a refund outside the pipeline on entry fee pi_b (refunded:500, 2026-11-19T12:00:00Z) " +
            "within the last 30 days",
            hold.Reason);
    }

    [Fact]
    public void Only_old_ones_or_ones_on_the_prizes_own_entry_fee_let_it_go_and_a_release_of_review_waives_it()
    {
        Chargeback[] old = [Dispute("dp_old", "pi_a", TimeSpan.FromDays(31))];
        Chargeback[] own = [Dispute("dp_own", "pi_prize", TimeSpan.FromDays(1))];
        Chargeback[] recent = [Dispute("dp_1", "pi_a", TimeSpan.FromDays(1))];
        GateDecision Gate(Chargeback[] history, string[]? waived = null, PayoutOptions? o = null) =>
            PayoutGates.Evaluate(
                new GateInput(50_00, waived ?? [], [], OldAccount, Quiet, 100_000_00, history, "pi_prize"),
                o ?? Options, Now);
        Assert.IsType<GateDecision.Submit>(Gate(old));
        Assert.IsType<GateDecision.Submit>(Gate(own));
        Assert.IsType<GateDecision.Submit>(Gate(recent, waived: [HoldKinds.Review]));
        Assert.IsType<GateDecision.Submit>(Gate(recent, o: Options with { RecentChargebackWindow = TimeSpan.Zero }));
        Assert.IsType<GateDecision.Hold>(Gate(recent));
    }

    [Fact]
    public void Another_review_reason_and_a_recent_dispute_are_both_stated()
    {
        var hold = Assert.IsType<GateDecision.Hold>(PayoutGates.Evaluate(new GateInput(6_000_00, [], [], OldAccount,
            Quiet with { LifetimeAmountMinor = 100_000_00 }, 100_000_00,
            [Dispute("dp_1", "pi_a", TimeSpan.FromHours(1))], "pi_prize"),
            Options, Now));
        Assert.Equal(PayoutHold.Review, hold.Kind);
        Assert.StartsWith(
            "600000 is above the review threshold of 500000; recent dispute or refund: the recipient had dispute dp_1",
            hold.Reason, StringComparison.Ordinal);
    }

    public static TheoryData<string, double[], double, int, bool> Surges => new()
    {
        // what, every dispute's hour (one each), the hour of the one just seen, the most in one window with it, a surge
        { "three within a day", [0, 5, 23], 23, 3, true },
        { "two within a day", [0, 5], 5, 2, false },
        { "three spread over more than a day", [0, 12, 24], 24, 2, false },
        { "the first and last exactly 24 hours apart", [0, 1, 24], 1, 2, false },
        { "the first and last a second short of 24 hours apart", [0, 1, 24 - 1 / 3600.0], 1, 3, true },
        { "seen out of order: the one just seen is the earliest", [0, 10, 20], 0, 3, true },
        { "seen out of order: the one just seen is in the middle", [0, 10, 20], 10, 3, true },
        { "a surge long ago that the one just seen is not part of", [0, 1, 2, 40], 40, 1, false },
        { "a fourth within the same day", [0, 1, 2, 3], 3, 4, true },
    };

    [Theory]
    [MemberData(nameof(Surges))]
    public void Count_threshold(string what, double[] hours, double seenAt, int most, bool surge)
    {
        var at = Now.AddHours(seenAt);
        var dates = hours.Select(h => Now.AddHours(h)).ToList();
        Assert.True(DisputeRules.MostInOneWindow(dates, at, Options.DisputeHaltWindow) == most,
            $"{what}: {DisputeRules.MostInOneWindow(dates, at, Options.DisputeHaltWindow)} in one window, "
            + $"expected {most}");
        Assert.True(DisputeRules.IsSurge(dates, at, Options) == surge, what);
    }

    [Fact]
    public void The_threshold_and_window_are_settings_and_zero_turns_the_halt_off()
    {
        List<DateTimeOffset> dates = [Now, Now.AddHours(1)];
        Assert.False(DisputeRules.IsSurge(dates, Now.AddHours(1), Options));
        Assert.True(DisputeRules.IsSurge(dates, Now.AddHours(1), Options with { DisputeHaltCount = 2 }));
        Assert.False(DisputeRules.IsSurge(dates, Now.AddHours(1),
            Options with { DisputeHaltCount = 2, DisputeHaltWindow = TimeSpan.FromMinutes(30) }));
        Assert.False(DisputeRules.IsSurge(dates, Now.AddHours(1), Options with { DisputeHaltCount = 0 }));
        Assert.Equal((30, 3, 24), ((int)Options.RecentChargebackWindow.TotalDays, Options.DisputeHaltCount,
            (int)Options.DisputeHaltWindow.TotalHours));
    }

    [Fact]
    public void The_settings_are_read_from_the_environment()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(
            new Dictionary<string, string?>
            {
                [PayoutOptions.Settings.RecentChargebackDays] = "7",
                [PayoutOptions.Settings.DisputeHaltCount] = "5",
                [PayoutOptions.Settings.DisputeHaltWindowSeconds] = "3600",
            }).Build();
        var o = PayoutOptions.Read(configuration);
        Assert.Equal((TimeSpan.FromDays(7), 5, TimeSpan.FromHours(1)),
            (o.RecentChargebackWindow, o.DisputeHaltCount, o.DisputeHaltWindow));
    }
}
