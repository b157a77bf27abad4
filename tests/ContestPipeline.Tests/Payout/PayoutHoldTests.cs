using ContestPipeline.Tests.Stripe;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout;
using ContestPipeline.Stripe;
using ContestPipeline.Tests.Infrastructure;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// Every payout gate holds whatever happens after a decision, against the payout worker as a
/// real process: each limit and suspicious pattern holds and resumes (by itself when the
/// time comes, or by an operator's release of that hold); a release applies to the hold it
/// released, so a refund or dispute that arrives later freezes the prize again; a stale,
/// replayed or re-driven decision or money order is refused with its reason. The limit cases
/// share one deployment (<see cref="LimitsHarness"/>), the worker restarted with each case's
/// settings, and each pays a recipient of its own.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class PayoutHoldTests(PipelineFixture fixture, PayoutHoldTests.LimitsHarness limits)
    : IClassFixture<PayoutHoldTests.LimitsHarness>
{
    /// <summary>
    /// The deployment the limit cases share, with no worker until a case starts it with its settings.
    /// </summary>
    public sealed class LimitsHarness : SharedStack<PayoutHarness>
    {
        protected override Task<PayoutHarness> StartAsync(PipelineFixture fixture) =>
            PayoutHarness.StartAsync(fixture, startWorker: false);
    }

    private const string Big = "50000";

    public sealed record LimitCase(string Name, Dictionary<string, string?> Settings, long FirstMinor, long SecondMinor,
        string Hold, string Reason, string Resume)
    {
        public override string ToString() => Name;

        /// <summary>The case's own recipient and contests on the shared deployment.</summary>
        public string Slug => new([.. Name.Where(char.IsAsciiLetterOrDigit).Take(14)]);
    }

    private const string Release = "release";
    private const string TimePasses = "time passes";
    private const string AccountAges = "account ages";

    public static TheoryData<LimitCase> Limits => new()
    {
        new("the maximum single payout", new() { [PayoutOptions.Settings.SingleAmountMaxMinor] = "5000" }, 0, 6_000,
            "held:" + HoldKinds.Limit, "above the maximum single payout", Release),
        new("the monthly amount", new() { [PayoutOptions.Settings.MonthlyAmountMaxMinor] = "10000" }, 6_000, 5_000,
            "held:" + HoldKinds.Limit, "this month would reach 11000", Release),
        new("the daily count", new() { [PayoutOptions.Settings.DailyCountMax] = "1" }, 1_000, 1_000,
            "held:" + HoldKinds.Velocity, "already has 1 payouts in 24 hours", TimePasses),
        new("the daily amount", new() { [PayoutOptions.Settings.DailyAmountMaxMinor] = "10000" }, 6_000, 5_000,
            "held:" + HoldKinds.Velocity, "in 24 hours would reach 11000", TimePasses),
        new("the new-account cap", new() { [PayoutOptions.Settings.NewAccountAmountMaxMinor] = "1000" }, 0, 5_000,
            "held:" + HoldKinds.NewAccount, "for accounts younger than 30 days", AccountAges),
        new("the spacing between two payouts to one recipient",
            new() { [PayoutOptions.Settings.RecipientPayoutSpacingSeconds] = "300" }, 1_000, 1_000,
            "held:" + HoldKinds.Velocity, "at least 300 s apart", TimePasses),
        new("a fifth payout in 24 hours (suspicious)",
            new() { [PayoutOptions.Settings.SuspiciousDayCountMin] = "2",
                [PayoutOptions.Settings.DailyCountMax] = "10" }, 1_000, 1_000,
            "held:" + HoldKinds.Review, "suspicious: it would be the recipient's payout number 2 in 24 hours", Release),
        new("a first payout above the cap (suspicious)",
            new() { [PayoutOptions.Settings.SuspiciousFirstPayoutMinor] = "2000" }, 0, 3_000,
            "held:" + HoldKinds.Review, "suspicious: a first payout of 3000", Release),
        new("most of the recipient's lifetime winnings (suspicious)",
            new() { [PayoutOptions.Settings.SuspiciousLifetimeShareBp] = "8000" }, 100, 1_000,
            "held:" + HoldKinds.Review,
            "suspicious: 1000 is more than 80 % of the recipient's lifetime winnings of 1100", Release),
    };

    [Theory]
    [MemberData(nameof(Limits))]
    public async Task Every_limit_and_pattern_holds_and_resumes(LimitCase c)
    {
        var h = await limits.GetAsync(fixture);
        await h.RestartWorkerAsync(c.Settings);
        var player = "lim-" + c.Slug;
        await h.World.SignUpForPayoutsAsync(player);
        await h.WaitForRecipientAsync(player);
        var first = PayoutHarness.Order("l1-" + c.Slug, player, Math.Max(c.FirstMinor, 1));
        if (c.FirstMinor > 0)
        {
            h.Publish(first);
            await h.WaitForStateAsync(first.PayoutId, PayoutStatusNames.Paid);
        }
        var second = PayoutHarness.Order("l2-" + c.Slug, player, c.SecondMinor);
        h.Publish(second);

        await h.WaitForStateAsync(second.PayoutId, c.Hold);
        Assert.Contains(c.Reason, (await h.RowAsync(second.PayoutId)).Reason, StringComparison.Ordinal);
        Assert.Empty(h.TransfersOf(second.PayoutId));

        switch (c.Resume)
        {
            case Release:
                await h.ReleaseAsync(second, "release-" + second.PayoutId);
                break;
            case TimePasses:
                // A day (or the spacing) passes for the first payout; the held one is due when its hold said.
                await h.ExecuteAsync("UPDATE payout.payouts SET paid_at = paid_at - interval '25 hours', "
                    + "submitted_at = submitted_at - interval '25 hours' WHERE payout_id = @PayoutId", first);
                await h.ExecuteAsync(
                    "UPDATE payout.payouts SET next_attempt_at = now() WHERE payout_id = @PayoutId", second);
                break;
            case AccountAges:
                await h.ExecuteAsync(
                    "UPDATE payout.recipients SET account_created_at = account_created_at - interval '31 days' " +
                    "WHERE player_id = @player", new { player });
                await h.ExecuteAsync(
                    "UPDATE payout.payouts SET next_attempt_at = now() WHERE payout_id = @PayoutId", second);
                break;
        }
        await h.WaitForStateAsync(second.PayoutId, PayoutStatusNames.Paid);
        Assert.Single(h.TransfersOf(second.PayoutId));
        if (c.Resume != Release) Assert.Empty(h.DeadLetters());
    }

    [Fact]
    public async Task
        A_release_applies_to_its_hold_a_later_refund_freezes_the_prize_again_and_stale_decisions_are_refused()
    {
        await using var h = await PayoutHarness.StartAsync(fixture,
            new Dictionary<string, string?> { [PayoutOptions.Settings.ReviewThresholdMinor] = Big });
        await h.World.SignUpForPayoutsAsync("rex");
        await h.WaitForRecipientAsync("rex");
        var payment = h.World.Pay("h1", "rex", 1_000);
        var dispute = h.Stripe.CreateDispute(payment);
        await h.WaitForAsync("the dispute's freeze",
            "SELECT EXISTS (SELECT 1 FROM payout.freezes WHERE freeze_id = @dispute)", new { dispute });
        var order = PayoutHarness.Order("h1", "rex", 60_000, paymentIntent: payment);
        h.Publish(order);
        await h.WaitForStateAsync(order.PayoutId, "held:" + HoldKinds.Frozen);
        var frozenAt = (await h.RowAsync(order.PayoutId)).Version;

        // The operator releases the freeze they saw: the next gate, review, still holds.
        await h.ReleaseAsync(order, "release-frozen");
        await h.WaitForStateAsync(order.PayoutId, "held:" + HoldKinds.Review);
        var stale = await h.DecideAsync(order, PayoutReviewDecided.Release, "stale-frozen", HoldKinds.Frozen, frozenAt);
        Assert.Contains("stale", await h.DeadLetterReasonAsync(stale), StringComparison.Ordinal);

        // The entry fee is refunded outside the pipeline after that release: frozen again.
        await h.World.StripeClient.CreateRefundAsync(new RefundCreate(payment, 100), "outside-refund");
        await h.WaitForStateAsync(order.PayoutId, "held:" + HoldKinds.Frozen);
        Assert.Contains("refunded", (await h.RowAsync(order.PayoutId)).Reason, StringComparison.Ordinal);
        var staleReview = await h.DecideAsync(order, PayoutReviewDecided.Release, "stale-review", HoldKinds.Review,
            frozenAt + 2);
        Assert.Contains("stale", await h.DeadLetterReasonAsync(staleReview), StringComparison.Ordinal);

        // Releasing this freeze waives it, not review, which was never released.
        await h.ReleaseAsync(order, "release-refund");
        await h.WaitForStateAsync(order.PayoutId, "held:" + HoldKinds.Review);
        Assert.Empty(h.TransfersOf(order.PayoutId));
        await h.ReleaseAsync(order, "release-review");
        await h.WaitForStateAsync(order.PayoutId, PayoutStatusNames.Paid);
        Assert.Single(h.TransfersOf(order.PayoutId));
        Assert.Equal(["freeze:" + dispute, "freeze:refunded:100", HoldKinds.Review],
            (await h.ScalarAsync<string[]>("SELECT waived FROM payout.payouts WHERE payout_id = @PayoutId", order))
                .Order(StringComparer.Ordinal));

        // The stale decision re-driven later (same message again, with an operator's grant) is refused again.
        h.World.Redrive(Topics.PayoutsDue, order.ContestId, PayoutReviewDecided.MessageType, stale,
            new PayoutReviewDecided("stale-frozen", order.PayoutId, order.ContestId, PayoutReviewDecided.Release,
                "test-operator", "checked",
                DateTimeOffset.UtcNow, HoldKinds.Frozen, frozenAt));
        await Eventually.UntilAsync(() => Task.FromResult(h.DeadLetters().Count(d => d.MessageId == stale) == 2),
            "the re-driven stale decision refused again", TimeSpan.FromSeconds(30));
        Assert.Equal(PayoutStatusNames.Paid, await h.StateAsync(order.PayoutId));
    }

    [Fact]
    public async Task
        A_dead_lettered_refund_of_a_prize_winning_fee_is_applied_when_re_driven_only_once_the_prize_is_rejected()
    {
        await using var h = await PayoutHarness.StartAsync(fixture,
            new Dictionary<string, string?> { [PayoutOptions.Settings.ReviewThresholdMinor] = Big });
        await h.World.SignUpForPayoutsAsync("sol");
        var payment = h.World.Pay("h2", "sol", 1_000);
        var order = PayoutHarness.Order("h2", "sol", 60_000, paymentIntent: payment);
        h.Publish(order);
        await h.WaitForStateAsync(order.PayoutId, "held:" + HoldKinds.Review);

        // A cancellation's refund (Settlement's: an entry that won was accepted, so Ingestion may not refund it).
        var refund = new RefundOrdered(RefundOrdered.RefundIdFor(payment), "h2", "sol", payment, 1_000, "USD",
            "late refund");
        h.World.CancelledByReferee("h2");
        h.World.PublishAs(Producers.Settlement, Topics.PayoutsDue, "h2", RefundOrdered.MessageType, refund.RefundId,
            refund);
        Assert.Contains("won prize " + order.PayoutId, await h.DeadLetterReasonAsync(refund.RefundId),
            StringComparison.Ordinal);
        Assert.Empty(h.Stripe.Ledger().Refunds);

        // A second prize for the same entry under another id is refused too.
        var twin = order with { PayoutId = order.PayoutId + "_twin" };
        h.Publish(twin);
        Assert.Contains("already has prize " + order.PayoutId, await h.DeadLetterReasonAsync(twin.PayoutId),
            StringComparison.Ordinal);

        await h.DecideAsync(order, PayoutReviewDecided.Reject, "reject-sol");
        await h.WaitForStateAsync(order.PayoutId, PayoutStatusNames.Rejected);
        // The dead letter re-driven: the same message again, with an operator's grant. Now valid, it is applied once.
        h.World.Redrive(Topics.PayoutsDue, "h2", RefundOrdered.MessageType, refund.RefundId, refund,
            Producers.Settlement);
        await Eventually.UntilAsync(() => Task.FromResult(h.World.Read(Topics.PayoutsStatus)
            .Any(m => m.Type == EntryFeeRefunded.MessageType)), "the re-driven refund made", TimeSpan.FromSeconds(30));
        Assert.Equal((payment, refund.RefundId),
            (Assert.Single(h.Stripe.Ledger().Refunds).PaymentIntent, h.Stripe.Ledger().Refunds[0].IdempotencyKey));
        Assert.Empty(h.TransfersOf(order.PayoutId));
    }
}
