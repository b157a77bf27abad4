using ContestPipeline.Tests.Stripe;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout;
using ContestPipeline.Stripe;
using ContestPipeline.Tests.Infrastructure;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// Operators are principals at Payout, against the payout worker as a real process (one deployment for every
/// attack): a release above the two-person amount needs two operators told apart by their own keys, each
/// approving the hold the payout is in at its version, within the approval lifetime. One operator's key
/// naming another operator is refused, and so is a viewer's key; approvals of another hold, or expired ones, count for
/// nothing; two operators' keys release it.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class OperatorApprovalTests(PipelineFixture fixture)
{
    [Fact]
    public async Task A_held_payout_is_released_by_two_verified_operators_approving_its_hold_and_version_in_time_only()
    {
        await using var h = await PayoutHarness.StartAsync(fixture, new Dictionary<string, string?>
        {
            [PayoutOptions.Settings.ReviewThresholdMinor] = "50000",
            [TwoPersonRule.Setting] = "10000",
        });
        await h.World.SignUpForPayoutsAsync("ola");
        await h.WaitForRecipientAsync("ola");
        var payment = h.World.Pay("h9", "ola", 1_000);
        var order = PayoutHarness.Order("h9", "ola", 60_000, paymentIntent: payment);
        h.Publish(order);
        await h.WaitForStateAsync(order.PayoutId, "held:" + HoldKinds.Review);

        // A viewer's own key releases nothing: the role is the key's, whatever tool signed the decision.
        var viewer = await h.ReleaseAsAsync(order, "vic-1", "vic");
        Assert.Contains("operator vic's key local-1 is a viewer's; 'PayoutReviewDecided' needs an approver",
            await h.DeadLetterReasonAsync(viewer), StringComparison.Ordinal);
        // One operator's key naming a second operator is refused, and approving twice is still one approval.
        var forged = await h.ReleaseAsAsync(order, "ann-as-bob", "bob", signedBy: "ann");
        Assert.Contains("operator mismatch", await h.DeadLetterReasonAsync(forged), StringComparison.Ordinal);
        await h.ReleaseAsAsync(order, "ann-1", "ann");
        await h.ReleaseAsAsync(order, "ann-2", "ann");
        await ApprovalRecordedAsync(h, "ann-2");
        var row = await h.RowAsync(order.PayoutId);
        Assert.Equal((PayoutStatusNames.Held, HoldKinds.Review), (row.State, row.HoldKind));

        // The fee is refunded outside the pipeline: the prize is frozen, and ann's approvals of the review hold are
        // none of this one. bob's approval of the freeze is one; ann's signed a day ago has expired and is refused,
        // and one dated an hour ahead of Payout's clock is refused too: nobody signs a decision to last longer.
        await h.World.StripeClient.CreateRefundAsync(new RefundCreate(payment, 100), "outside-refund-h9");
        await h.WaitForStateAsync(order.PayoutId, "held:" + HoldKinds.Frozen);
        await h.ReleaseAsAsync(order, "bob-frozen", "bob");
        await ApprovalRecordedAsync(h, "bob-frozen");
        var yesterday = await h.ReleaseAsAsync(order, "ann-yesterday", "ann",
            decidedAt: DateTimeOffset.UtcNow.AddHours(-25));
        Assert.Contains("it expired", await h.DeadLetterReasonAsync(yesterday), StringComparison.Ordinal);
        var ahead = await h.ReleaseAsAsync(order, "ann-ahead", "ann", decidedAt: DateTimeOffset.UtcNow.AddHours(1));
        Assert.Contains("signed in the future", await h.DeadLetterReasonAsync(ahead), StringComparison.Ordinal);
        Assert.Equal(HoldKinds.Frozen, (await h.RowAsync(order.PayoutId)).HoldKind);
        Assert.Empty(h.TransfersOf(order.PayoutId));

        // Two operators' own keys, each approving the hold as it is now: released, then the review that still
        // holds it released by both anew, and paid once.
        await h.ReleaseAsAsync(order, "ann-frozen", "ann");
        await h.WaitForStateAsync(order.PayoutId, "held:" + HoldKinds.Review);
        await h.ReleaseAsAsync(order, "bob-review", "bob");
        await ApprovalRecordedAsync(h, "bob-review");
        await h.ReleaseAsAsync(order, "ann-review", "ann");
        await h.WaitForStateAsync(order.PayoutId, PayoutStatusNames.Paid);
        Assert.Single(h.TransfersOf(order.PayoutId));
        Assert.Equal(["vic-1", "ann-as-bob", "ann-yesterday", "ann-ahead"],
            h.DeadLetters().Select(d => d.MessageId.Split(':')[^1]));
    }

    private static Task ApprovalRecordedAsync(PayoutHarness h, string decisionId) =>
        h.WaitForAsync($"approval {decisionId} recorded",
            "SELECT EXISTS (SELECT 1 FROM payout.release_approvals WHERE decision_id = @decisionId)",
            new { decisionId });
}
