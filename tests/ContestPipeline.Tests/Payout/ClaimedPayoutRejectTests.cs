using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// An operator's reject between a payout's claim and its transfer: a payout claimed and not yet called for is
/// rejected and never sent; one whose transfer may have gone under its key is not rejected (the decision is
/// dead-lettered with why), and Stripe's answer settles it. The payout worker as a real process, the local broker,
/// Postgres and the Stripe-compatible server.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class ClaimedPayoutRejectTests(PipelineFixture fixture)
{
    private static void Dispatch(PayoutHarness h, string id, string action, string? ends = null) =>
        h.World.Publish(Topics.PayoutsControl, PayoutDispatchDecided.Key, PayoutDispatchDecided.MessageType,
            PayoutDispatchDecided.MessageIdFor(id),
            new PayoutDispatchDecided(id, action, "test-admin", "orders checked", DateTimeOffset.UtcNow, ends));

    private static Task WaitForDispatchAsync(PayoutHarness h, bool halted, string decisionId) =>
        h.WaitForAsync($"dispatch {(halted ? "halted" : "running")} by {decisionId}",
            "SELECT EXISTS (SELECT 1 FROM payout.dispatch WHERE halted = @halted AND decision_id = @decisionId)",
            new { halted, decisionId }, 60);

    [Fact]
    public async Task A_payout_claimed_and_not_sent_can_be_rejected_and_one_that_may_have_been_sent_cannot()
    {
        // A round is a second at the instance's rate: at 2/s, two payouts. Payouts are halted at first, so the four
        // orders are all recorded before the first round is claimed.
        await using var h = await PayoutHarness.StartAsync(fixture,
            new Dictionary<string, string?> { [StripeServices.RateVariable] = "2" });
        string[] players = ["rae", "sid", "tam", "uma"];
        foreach (var player in players) await h.World.SignUpForPayoutsAsync(player);
        foreach (var player in players) await h.WaitForRecipientAsync(player);
        Dispatch(h, "halt-r", PayoutDispatchDecided.Halt);
        await WaitForDispatchAsync(h, halted: true, "halt-r");
        var orders = players.ToDictionary(p => p, p => PayoutHarness.Order("rej-c", p, 1_000));
        foreach (var order in orders.Values) h.Publish(order);
        await h.WaitForAsync("the four payouts recorded",
            "SELECT count(*) = 4 FROM payout.payouts WHERE state = 'waiting'");

        // Stripe makes each transfer at once and answers 12 s later: the first round's two calls are in flight while
        // the next round is claimed, with its keys, and waits its turn.
        h.Stripe.InjectFault(new StripeFault(StripeFaultKind.AppliedThenDelayed, "POST", "/v1/transfers", Count: 10,
            Delay: TimeSpan.FromSeconds(12)));
        Dispatch(h, "resume-r", PayoutDispatchDecided.Resume, ends: "halt-r");
        await WaitForDispatchAsync(h, halted: false, "resume-r");
        int Posts() => h.Stripe.Requests().Count(q => q is { Method: "POST", Path: "/v1/transfers" });
        await Eventually.UntilAsync(() => Task.FromResult(Posts()), n => n == 2, "the first round's transfers sent",
            TimeSpan.FromSeconds(6));
        await h.WaitForAsync("the next round claimed while the first one's transfers are in flight",
            "SELECT count(*) = 4 FROM payout.payouts WHERE state = 'submitting'", seconds: 6);
        var inFlight = players.Where(p => h.TransfersOf(orders[p].PayoutId).Count == 1).ToList();
        var ahead = players.Except(inFlight).ToList();
        Assert.Equal(2, inFlight.Count);

        // One claimed and not sent is rejected; one whose transfer is on its way is not.
        var rejected = await h.DecideAsync(orders[ahead[0]], PayoutReviewDecided.Reject, "rej-ahead");
        var refused = await h.DecideAsync(orders[inFlight[0]], PayoutReviewDecided.Reject, "rej-sent");
        await h.WaitForStateAsync(orders[ahead[0]].PayoutId, PayoutStatusNames.Rejected, seconds: 10);
        var why = await h.DeadLetterReasonAsync(refused);
        Assert.Contains("may have been sent under its key", why, StringComparison.Ordinal);
        Assert.DoesNotContain(h.DeadLetters(), d => d.MessageId == rejected);

        foreach (var paid in players.Except([ahead[0]]))
            await h.WaitForStateAsync(orders[paid].PayoutId, PayoutStatusNames.Paid);
        Assert.Equal(3, Posts());
        Assert.Empty(h.TransfersOf(orders[ahead[0]].PayoutId));
        var withheld = h.World.Read(Topics.PayoutsStatus).Where(m => m.Type == PayoutRejected.MessageType).ToList();
        var only = Assert.Single(withheld);
        Assert.Equal(orders[ahead[0]].PayoutId, only.Body.GetProperty("payoutId").GetString());
        Assert.Equal(1_000, only.Body.GetProperty("amountMinor").GetInt64());
        Assert.Equal(0L, await h.ScalarAsync<long>(
            "SELECT count(*) FROM payout.payouts WHERE payout_id = @id AND (called_key IS NOT NULL "
            + "OR lease_until IS NOT NULL)",
            new { id = orders[ahead[0]].PayoutId }));
    }
}
