using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Tests.Infrastructure;
using ContestPipeline.Tests.Scenarios;
using ContestPipeline.Local.Demo;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// Payout pays a contest at most the entry fees it has itself verified on Stripe as paid in for it, and refunds only a
/// payment it verified as that contest's entry fee, at most its amount: through the real payout worker, the local
/// broker, the webhook receiver and the Stripe-compatible server. Settlement's authorization and Ingestion's refund
/// order, each properly signed, move no money on their own.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class ContestFundsTests(PipelineFixture fixture)
{
    private static PrizePayoutOrdered Order(string contest, string player, long net, int rank) =>
        new($"prize_{contest}_{player}", contest, $"entry_{contest}_{player}", player, rank, net, 0, net, "USD");

    /// <summary>Settlement's authorization for the orders' total, then the orders, all signed as Settlement.</summary>
    private static void Settle(PayoutHarness h, string contest, params PrizePayoutOrdered[] orders) =>
        Settle(h, contest, null, orders);

    /// <summary>As above, the authorization carrying <paramref name="guarantee"/> (a guaranteed contest's).</summary>
    private static void Settle(PayoutHarness h, string contest, ContestDefined? guarantee,
        params PrizePayoutOrdered[] orders)
    {
        var authorization = new ContestPayoutsAuthorized("settle:" + contest, contest, orders.Length,
            orders.Sum(o => o.NetMinor), "USD", DateTimeOffset.UtcNow, guarantee);
        h.World.PublishAs(Producers.Settlement, Topics.PayoutsDue, contest, ContestPayoutsAuthorized.MessageType,
            ContestPayoutsAuthorized.MessageIdFor(authorization.AuthorizationId), authorization);
        foreach (var o in orders)
            h.World.PublishAs(Producers.Settlement, Topics.PayoutsDue, contest, PrizePayoutOrdered.MessageType,
                o.PayoutId, o);
    }

    private static Task WaitVerifiedAsync(PayoutHarness h, params string[] paymentIntents) =>
        h.WaitForAsync($"payments {string.Join(", ", paymentIntents)} verified by Payout",
            "SELECT count(*) = cardinality(@paymentIntents) FROM payout.verified_payments " +
            "WHERE payment_intent_id = ANY(@paymentIntents)", new { paymentIntents }, seconds: 60);

    [Fact]
    public async Task Settlements_orders_for_a_contest_nobody_paid_into_transfer_nothing_and_raise_a_critical_alert()
    {
        await using var h = await PayoutHarness.StartAsync(fixture);
        string[] players = ["gil", "hal", "ida"];
        foreach (var player in players) await h.World.SignUpForPayoutsAsync(player);
        foreach (var player in players) await h.WaitForRecipientAsync(player);
        // A real contest beside it, paid into and settled, so the worker is shown to pay what is proven.
        var fee = h.World.Pay("real", "jan", 50_00);
        await WaitVerifiedAsync(h, fee);
        var real = Order("real", "gil", 50_00, 1);
        Settle(h, "real", real);
        await h.WaitForStateAsync(real.PayoutId, PayoutStatusNames.Paid);

        var ghost = players.Select((p, i) => Order("ghost", p, 999_00, i + 1)).ToArray();
        Settle(h, "ghost", ghost);

        foreach (var o in ghost) await h.WaitForStateAsync(o.PayoutId, "held:" + HoldKinds.Funds);
        await h.WaitForAlertAsync("funds_not_proven", AlertSeverities.Critical);
        // Given the transfer job's rounds, still nothing of the ghost contest's is sent.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.All(ghost, o => Assert.Empty(h.TransfersOf(o.PayoutId)));
        Assert.Contains("contest ghost has 0 USD", (await h.RowAsync(ghost[0].PayoutId)).Reason);
        Assert.Contains("99900 short", (await h.RowAsync(ghost[0].PayoutId)).Reason);
    }

    [Fact]
    public async Task Orders_beyond_a_contests_verified_fees_are_held_and_released_when_a_late_fee_is_verified()
    {
        await using var h = await PayoutHarness.StartAsync(fixture);
        string[] players = ["ann", "ben", "cat"];
        foreach (var player in players) await h.World.SignUpForPayoutsAsync(player);
        foreach (var player in players) await h.WaitForRecipientAsync(player);
        var fees = new[] { h.World.Pay("c9", "ann", 500_00), h.World.Pay("c9", "ben", 500_00) };
        await WaitVerifiedAsync(h, fees);
        // A refunded fee no longer counts: 1,200.00 paid in, 200.00 of it refunded.
        var refunded = h.World.Pay("c9", "dov", 200_00);
        var refund = new RefundOrdered(RefundOrdered.RefundIdFor(refunded), "c9", "dov", refunded, 200_00, "USD",
            "rejected");
        h.World.PublishAs(Producers.Ingestion, Topics.PayoutsDue, "c9", RefundOrdered.MessageType, refund.RefundId,
            refund);
        await h.WaitForAsync("dov's fee refunded", "SELECT EXISTS (SELECT 1 FROM payout.refunds " +
            "WHERE payment_intent_id = @refunded AND state = 'refunded')", new { refunded }, seconds: 60);
        var (ann, ben, cat) = (Order("c9", "ann", 600_00, 1), Order("c9", "ben", 400_00, 2),
            Order("c9", "cat", 150_00, 3));

        Settle(h, "c9", ann, ben, cat);

        await h.WaitForStateAsync(ann.PayoutId, PayoutStatusNames.Paid);
        await h.WaitForStateAsync(ben.PayoutId, PayoutStatusNames.Paid);
        await h.WaitForStateAsync(cat.PayoutId, "held:" + HoldKinds.Funds);
        await h.WaitForAlertAsync("funds_not_proven", AlertSeverities.Critical);
        Assert.Empty(h.TransfersOf(cat.PayoutId));

        // A late entry fee of the contest, once Payout has verified it, covers cat's prize: released and paid.
        var late = h.World.Pay("c9", "eli", 150_00);
        await h.WaitForStateAsync(cat.PayoutId, PayoutStatusNames.Paid, seconds: 60);
        Assert.Single(h.TransfersOf(cat.PayoutId));
        Assert.Equal(1, await h.ScalarAsync<int>(
            "SELECT count(*) FROM payout.verified_payments WHERE payment_intent_id = @late", new { late }));
    }

    [Fact]
    public async Task Ingestions_refund_of_another_contests_fee_a_never_paid_intent_or_more_than_paid_is_refused()
    {
        await using var h = await PayoutHarness.StartAsync(fixture);
        var other = h.World.Pay("c-other", "kim", 300_00);
        var unpaid = h.World.Pay("c-ref", "lou", 300_00, status: "requires_payment_method");
        var small = h.World.Pay("c-ref", "max", 300_00);
        var genuine = h.World.Pay("c-ref", "ned", 300_00);
        RefundOrdered Refund(string paymentIntent, string player, long amount) =>
            new(RefundOrdered.RefundIdFor(paymentIntent), "c-ref", player, paymentIntent, amount, "USD", "rejected");
        RefundOrdered[] refusals = [Refund(other, "kim", 300_00), Refund(unpaid, "lou", 300_00),
            Refund(small, "max", 300_01), Refund("pi_never_made", "ona", 300_00)];
        foreach (var r in refusals.Append(Refund(genuine, "ned", 300_00)))
            h.World.PublishAs(Producers.Ingestion, Topics.PayoutsDue, r.ContestId, RefundOrdered.MessageType,
                r.RefundId, r);

        await h.WaitForAsync("the genuine refund made", "SELECT EXISTS (SELECT 1 FROM payout.refunds " +
            "WHERE payment_intent_id = @genuine AND state = 'refunded')", new { genuine }, seconds: 60);
        await h.WaitForAsync("every other refund refused", "SELECT count(*) = 4 FROM payout.refunds " +
            "WHERE state = 'failed' AND NOT proven", seconds: 60);
        await h.WaitForAlertAsync("refund_not_proven", AlertSeverities.Critical);
        Assert.Equal([genuine], h.Stripe.Ledger().Refunds.Select(r => r.PaymentIntent).ToArray());
        var refused = h.World.Read(Topics.PayoutsStatus).Where(m => m.Type == RefundFailed.MessageType)
            .Select(m => m.Body.GetProperty("paymentIntentId").GetString()).Order().ToArray();
        Assert.Equal(refusals.Select(r => r.PaymentIntentId).Order().ToArray(), refused);
    }

    [Fact]
    public async Task A_guaranteed_contest_is_paid_up_to_its_sealed_guarantee_and_an_altered_guarantee_pays_nothing()
    {
        await using var h = await PayoutHarness.StartAsync(fixture);
        string[] players = ["pia", "quin", "rae"];
        foreach (var player in players) await h.World.SignUpForPayoutsAsync(player);
        foreach (var player in players) await h.WaitForRecipientAsync(player);
        ContestDefined Guaranteed(string contest, long guaranteedMinor) =>
            ContestScenarios.Fantasy(contest, DateTimeOffset.UtcNow.AddHours(-3), ["g1"]) with
            {
                Pool = new PoolRule(PoolModes.Guaranteed, GuaranteedMinor: guaranteedMinor),
            };
        // 50.00 paid in; the operators guaranteed 900.00: the platform's overlay of 850.00 is paid as sealed.
        var fee = h.World.Pay("gtd", "sal", 50_00);
        await WaitVerifiedAsync(h, fee);
        var paid = new[]
        {
            Order("gtd", "pia", 500_00, 1), Order("gtd", "quin", 300_00, 2), Order("gtd", "rae", 100_00, 3),
        };
        Settle(h, "gtd", OutsideWorld.Sealed(Guaranteed("gtd", 900_00)), paid);
        foreach (var o in paid) await h.WaitForStateAsync(o.PayoutId, PayoutStatusNames.Paid, seconds: 60);
        Assert.All(paid, o => Assert.Single(h.TransfersOf(o.PayoutId)));

        // Settlement's authorization with a guarantee raised after the operators sealed 900.00, and one with another
        // contest's sealed guarantee: neither is taken; nothing is paid in, so every prize is held for an operator.
        var altered = OutsideWorld.Sealed(Guaranteed("gtd-raised", 900_00)) with
        {
            Pool = new PoolRule(PoolModes.Guaranteed, GuaranteedMinor: 9_000_00),
        };
        var raised = new[] { Order("gtd-raised", "pia", 5_000_00, 1), Order("gtd-raised", "quin", 4_000_00, 2) };
        Settle(h, "gtd-raised", altered, raised);
        var borrowed = Order("gtd-borrowed", "rae", 500_00, 1);
        Settle(h, "gtd-borrowed", OutsideWorld.Sealed(Guaranteed("gtd", 900_00)), borrowed);
        foreach (var o in raised.Append(borrowed)) await h.WaitForStateAsync(o.PayoutId, "held:" + HoldKinds.Funds);
        await h.WaitForAlertAsync("guarantee_not_sealed", AlertSeverities.Critical);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.All(raised.Append(borrowed), o => Assert.Empty(h.TransfersOf(o.PayoutId)));
        Assert.Equal("gtd:90000,gtd-borrowed:0,gtd-raised:0", await h.ScalarAsync<string>(
            "SELECT string_agg(contest_id || ':' || guaranteed_minor, ',' ORDER BY contest_id COLLATE \"C\") " +
            "FROM payout.contest_payout_budgets WHERE contest_id LIKE 'gtd%'"));
    }
}
