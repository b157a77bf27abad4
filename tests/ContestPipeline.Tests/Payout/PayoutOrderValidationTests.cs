using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Tests.Infrastructure;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// Every field one of Payout's tables checks is checked by the handler first: an order that
/// would break a check is dead-lettered with its reason and an alert, and the worker reads on
/// (a good order after it is paid), where the check reached in the database would have been a
/// bug that stops the worker on every restart. One case per family of checked fields: the
/// worker as a real process, the local broker, Postgres and the Stripe-compatible server.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class PayoutOrderValidationTests(PipelineFixture fixture)
{
    public sealed record BadOrder(string Name, string Type, string MessageId, object Body, string Reason)
    {
        public override string ToString() => Name;
    }

    private static PrizePayoutOrdered Prize(string player, long gross, long fee, long net) =>
        new($"prize_cv_{player}", "cv", $"entry_cv_{player}", player, 1, gross, fee, net, "USD");

    public static TheoryData<BadOrder> Cases => new()
    {
        // payouts.amount_minor > 0: a negative gross, with the net it implies.
        new("prize gross", PrizePayoutOrdered.MessageType, "prize_cv_neg",
            Prize("neg", -5_000, 0, -5_000) with { PayoutId = "prize_cv_neg" },
            "payout prize_cv_neg: gross -5000 is negative"),
        // payouts.amount_minor > 0: a fee above the gross (a negative net that adds up).
        new("prize fee", PrizePayoutOrdered.MessageType, "prize_cv_fee",
            Prize("fee", 1_000, 1_500, -500) with { PayoutId = "prize_cv_fee" },
            "payout prize_cv_fee: fee 1500 is not between 0 and the gross 1000"),
        // refunds.amount_minor > 0.
        new("refund amount", RefundOrdered.MessageType, "refund_pi_zero",
            new RefundOrdered(RefundOrdered.RefundIdFor("pi_zero"), "cv", "zed", "pi_zero", 0, "USD",
                "contest cancelled"),
            "refund refund_pi_zero: amount 0 is not positive"),
        // payout_authorizations.payouts >= 0 and net_total_minor >= 0.
        new("authorization", ContestPayoutsAuthorized.MessageType, ContestPayoutsAuthorized.MessageIdFor("settle:bad"),
            new ContestPayoutsAuthorized("settle:bad", "cv", -1, -1_000, "USD", DateTimeOffset.UtcNow),
            "payout authorization settle:bad: -1 payouts for -1000 minor units is not an authorization"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task
        An_order_a_table_would_refuse_is_dead_lettered_by_its_handler_with_the_reason_and_the_worker_reads_on(
            BadOrder bad)
    {
        await using var h = await PayoutHarness.StartAsync(fixture);
        await h.World.SignUpForPayoutsAsync("ann");
        h.World.Publish(Topics.PayoutsDue, "cv", bad.Type, bad.MessageId, bad.Body);
        var good = PayoutHarness.Order("cv", "ann", 1_000);
        h.Publish(good);

        Assert.Equal(bad.Reason, await h.DeadLetterReasonAsync(bad.MessageId));
        await h.WaitForStateAsync(good.PayoutId, PayoutStatusNames.Paid);
        Assert.True(h.Alerted("dead_letter"), "the refusal raises an alert");
        Assert.False(h.Alerted("worker_stopped_on_bug"), "no handler stopped the worker");
        Assert.Equal([good.PayoutId], h.Stripe.Ledger().Transfers.Select(t => t.Metadata["payout_id"]));
    }

    [Fact]
    public async Task A_refund_ordered_again_is_a_repeat_and_one_with_other_facts_is_refused_while_the_first_stands()
    {
        await using var h = await PayoutHarness.StartAsync(fixture);
        var payment = h.World.Pay("rf", "ann", 1_000);
        var order = new RefundOrdered(RefundOrdered.RefundIdFor(payment), "rf", "ann", payment, 1_000, "USD",
            "contest cancelled");
        h.World.CancelledByReferee("rf");
        h.World.PublishAs(Producers.Settlement, Topics.PayoutsDue, "rf", RefundOrdered.MessageType, "refund-first",
            order);
        h.World.PublishAs(Producers.Settlement, Topics.PayoutsDue, "rf", RefundOrdered.MessageType, "refund-again",
            order with { Reason = "ordered again" });
        h.World.PublishAs(Producers.Settlement, Topics.PayoutsDue, "rf", RefundOrdered.MessageType, "refund-more",
            order with { AmountMinor = 50_000 });

        Assert.Equal($"refund {order.RefundId}: ordered again with other content (50000 USD to ann for rf; "
            + "first 1000 USD to ann for rf); "
            + "the first stands", await h.DeadLetterReasonAsync("refund-more"));
        Assert.Equal(["refund-more"], h.DeadLetters().Select(d => d.MessageId));
        await Eventually.UntilAsync(() => h.Stripe.Ledger().Refunds.Count(r => r.PaymentIntent == payment), n => n == 1,
            "the refund made");
        Assert.Equal(1_000, h.Stripe.Ledger().Refunds.Single(r => r.PaymentIntent == payment).Amount);
        Assert.True(h.Alerted("dead_letter", AlertSeverities.Critical), "the refusal raises a critical alert");
    }
}
