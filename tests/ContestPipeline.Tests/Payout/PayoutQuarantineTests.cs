using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// A transfer Stripe returns for another amount than the one asked for: the payout worker as
/// a real process against the Stripe-compatible server made to misbehave so, the local broker
/// and Postgres.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class PayoutQuarantineTests(PipelineFixture fixture)
{
    [Fact]
    public async Task
        A_transfer_returned_for_another_amount_quarantines_its_payout_for_good_with_an_alert_and_is_never_posted_again()
    {
        await using var h = await PayoutHarness.StartAsync(fixture);
        var account = await h.World.SignUpForPayoutsAsync("qin");
        await h.WaitForRecipientAsync("qin");
        h.Stripe.InjectFault(new StripeFault(StripeFaultKind.AppliedWithOtherAmount, "POST", "/v1/transfers"));
        var order = PayoutHarness.Order("q1", "qin", 1_000);
        // A second payout after it, so the worker is seen to go on (and to post nothing more for the first).
        var next = PayoutHarness.Order("q2", "qin", 700);
        h.Publish(order);

        await h.WaitForStateAsync(order.PayoutId, PayoutStatusNames.Quarantined);
        await h.WaitForAlertAsync("payout_quarantined", "critical");
        var transfer = Assert.Single(h.TransfersOf(order.PayoutId));
        Assert.Equal((1_001L, account), (transfer.Amount, transfer.Destination));
        await Eventually.UntilAsync(() => Task.FromResult(h.World.Read(Topics.PayoutsStatus)
            .Any(m => m.Type == PrizeTransferQuarantined.MessageType)),
            "PrizeTransferQuarantined on payouts.status");
        var fact = Assert.Single(h.World.Read(Topics.PayoutsStatus),
            m => m.Type == PrizeTransferQuarantined.MessageType);
        Assert.Equal((transfer.Id, 1_001L, account),
            (fact.Body.GetProperty("transferId").GetString(), fact.Body.GetProperty("amountMinor").GetInt64(),
            fact.Body.GetProperty("destination").GetString()));

        // No decision moves it: a release is refused.
        var release = await h.ReleaseAsync(order, "release-q1");
        Assert.Contains("quarantined", await h.DeadLetterReasonAsync(release), StringComparison.Ordinal);

        h.Publish(next);
        await h.WaitForStateAsync(next.PayoutId, PayoutStatusNames.Paid);
        Assert.Equal([order.PayoutId, next.PayoutId], h.TransferPosts().Select(q => q.IdempotencyKey));
        Assert.Equal(PayoutStatusNames.Quarantined, await h.StateAsync(order.PayoutId));
    }
}
