using System.Diagnostics;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;
using ContestPipeline.Tests.Stripe;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// A transfer Stripe refuses for balance_insufficient is sent again on the retry schedule (the first wait, then
/// doubled: 5, 10, 20 minutes in production, shortened here), each time under a fresh key, at most three times; the
/// fourth refusal, and at once any refusal no retry gets past, goes to an operator with an alert. A retry looks the
/// contest's transfers up first and adopts a transfer that already pays the payout instead of sending a second one.
/// One stack, the cases one after another (the injected refusals are consumed in order).
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class TransferRefusalRetryTests(PipelineFixture fixture)
{
    private const int DelayMs = 1_500;

    [Fact]
    public async Task Refusals_are_retried_on_the_schedule_under_fresh_keys_then_go_to_an_operator()
    {
        await using var h = await PayoutHarness.StartAsync(fixture, new Dictionary<string, string?>
        {
            [PayoutOptions.Settings.RefusalRetryDelayMs] =
                DelayMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        foreach (var player in new[] { "ria", "rob", "rex", "rue" })
        {
            await h.World.SignUpForPayoutsAsync(player);
            await h.WaitForRecipientAsync(player);
        }

        // Three refusals, then the fourth attempt goes through: one transfer, four keys, the waits in between.
        var paid = PayoutHarness.Order("rt1", "ria", 1_200);
        h.Stripe.InjectFault(new StripeFault(StripeFaultKind.BalanceInsufficient, "POST", "/v1/transfers", Count: 3));
        var clock = Stopwatch.StartNew();
        h.Publish(paid);
        await h.WaitForStateAsync(paid.PayoutId, PayoutStatusNames.Paid, 60);
        Assert.True(clock.ElapsedMilliseconds >= DelayMs * 7, $"paid after {clock.ElapsedMilliseconds} ms");
        Assert.Single(h.TransfersOf(paid.PayoutId));
        Assert.Equal([paid.PayoutId, paid.PayoutId + ":1", paid.PayoutId + ":2", paid.PayoutId + ":3"],
            KeysOf(h, paid.PayoutId));
        Assert.Equal(3, await h.ScalarAsync<int>("SELECT refusal_retries FROM payout.payouts WHERE payout_id = @id",
            new { id = paid.PayoutId }));
        await h.WaitForAlertAsync("payout_held_balance", "critical");

        // A refusal no retry gets past: failed for an operator at once, one attempt.
        var refused = PayoutHarness.Order("rt2", "rob", 1_300);
        h.Stripe.InjectFault(new StripeFault(StripeFaultKind.Refused, "POST", "/v1/transfers"));
        h.Publish(refused);
        await h.WaitForStateAsync(refused.PayoutId, PayoutStatusNames.Failed);
        Assert.Equal([refused.PayoutId], KeysOf(h, refused.PayoutId));
        await h.WaitForAlertAsync("payout_failed", "critical");

        // The fourth refusal: failed for an operator, no transfer, four attempts.
        var exhausted = PayoutHarness.Order("rt3", "rex", 1_400);
        h.Stripe.InjectFault(new StripeFault(StripeFaultKind.BalanceInsufficient, "POST", "/v1/transfers", Count: 4));
        h.Publish(exhausted);
        await h.WaitForStateAsync(exhausted.PayoutId, PayoutStatusNames.Failed, 60);
        Assert.Equal(4, KeysOf(h, exhausted.PayoutId).Count);
        Assert.Empty(h.TransfersOf(exhausted.PayoutId));
        Assert.Contains("Stripe refused it 4 times", (await h.RowAsync(exhausted.PayoutId)).Reason,
            StringComparison.Ordinal);

        // A transfer for the payout appears on Stripe while it waits for its retry: the retry adopts it.
        var adopted = PayoutHarness.Order("rt4", "rue", 1_500);
        h.Stripe.InjectFault(new StripeFault(StripeFaultKind.BalanceInsufficient, "POST", "/v1/transfers"));
        h.Publish(adopted);
        await h.WaitForStateAsync(adopted.PayoutId, "held:balance");
        // No webhooks meanwhile: only the retry's own lookup can find it.
        h.Stripe.WebhookEndpoint = null;
        var account = await h.ScalarAsync<string>("SELECT account_id FROM payout.recipients WHERE player_id = 'rue'");
        var made = await h.World.StripeClient.CreateTransferAsync(new TransferCreate(adopted.NetMinor, "usd",
            account, adopted.ContestId, null, new Dictionary<string, string> { ["payout_id"] = adopted.PayoutId }),
            "made-elsewhere");
        await h.WaitForStateAsync(adopted.PayoutId, PayoutStatusNames.Paid);
        Assert.Equal(made.Id, await h.ScalarAsync<string>(
            "SELECT transfer_id FROM payout.payouts WHERE payout_id = @id", new { id = adopted.PayoutId }));
        Assert.Single(h.TransfersOf(adopted.PayoutId));
        Assert.Equal([adopted.PayoutId], KeysOf(h, adopted.PayoutId));
    }

    /// <summary>The distinct keys the payout's transfers were POSTed under, in order.</summary>
    private static List<string> KeysOf(PayoutHarness h, string payoutId) =>
        [.. h.TransferPosts().Select(q => q.IdempotencyKey!)
            .Where(k => k == payoutId || k.StartsWith(payoutId + ":", StringComparison.Ordinal)).Distinct()];
}
