using ContestPipeline.Contracts;
using Dapper;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Clawbacks;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;
using ContestPipeline.Tests.Stripe;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// A prize paid with an entry fee that is lost afterwards (a dispute lost, or the fee refunded in full outside the
/// pipeline) is taken back: its transfer reversed on Stripe, as far as the winner's account holds, the rest recorded
/// owed; the prize withheld in the ledger's terms (PrizeTransferReversed, then PayoutRejected by the pipeline). Through
/// the real Payout worker and the Stripe-compatible server.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class ClawbackTests(PipelineFixture fixture)
{
    [Fact]
    public async Task A_prize_paid_with_an_entry_fee_lost_afterwards_is_taken_back_as_far_as_the_account_holds()
    {
        await using var h = await PayoutHarness.StartAsync(fixture);
        var (accounts, fees, orders) = await ThreePrizesPaidAsync(h);

        // dan paid 500 of his 600 out to his bank: his account holds 100 when the prize is taken back.
        h.Stripe.CreatePayout(accounts["dan"], h.Stripe.AccountBalance(accounts["dan"], "usd") - 100, "usd");
        // cara's and dan's disputes are lost; eve's fee is refunded in full from outside the pipeline.
        foreach (var player in new[] { "cara", "dan" })
            h.Stripe.CloseDispute(h.Stripe.CreateDispute(fees[player]), won: false);
        await h.World.StripeClient.CreateRefundAsync(new RefundCreate(fees["eve"]), "refund-eve-outside");

        foreach (var order in orders.Values) await h.WaitForStateAsync(order.PayoutId, PayoutStatusNames.Rejected, 60);
        await h.WaitForAsync("every clawback recorded",
            "SELECT count(*) = 3 FROM payout.clawbacks WHERE state <> 'pending'");
        await using var conn = await h.Run.Iso.DataSource.OpenConnectionAsync();
        var clawbacks = (await conn.QueryAsync<(string PayoutId, string State, long Recovered, long Owed)>(
            "SELECT payout_id, state, recovered_minor, owed_minor FROM payout.clawbacks"))
            .ToDictionary(c => c.PayoutId);
        Assert.Equal(("recovered", 700L, 0L), Of(clawbacks[orders["cara"].PayoutId]));
        Assert.Equal(("short", 100L, 500L), Of(clawbacks[orders["dan"].PayoutId]));
        Assert.Equal(("recovered", 500L, 0L), Of(clawbacks[orders["eve"].PayoutId]));

        // Each reversal asked once, under the key that names what was reversed before and the amount: dan's first ask
        // (all 600) was refused for his balance, his second took the 100 his account held.
        var reversals = h.Stripe.Ledger().Reversals;
        Assert.Equal([(ReverseTransfersJob.KeyFor(orders["cara"].PayoutId, 0, 700), 700L)],
            ReversalsOf(reversals, h, "cara", orders));
        Assert.Equal([(ReverseTransfersJob.KeyFor(orders["dan"].PayoutId, 0, 100), 100L)],
            ReversalsOf(reversals, h, "dan", orders));
        Assert.Equal([(ReverseTransfersJob.KeyFor(orders["eve"].PayoutId, 0, 500), 500L)],
            ReversalsOf(reversals, h, "eve", orders));
        Assert.Equal(0, h.Stripe.AccountBalance(accounts["dan"], "usd"));

        await AssertEachReversedThenRejectedOnTheTopicAsync(h, orders);
        await AssertDanOwesTheShortfallAsync(h, orders);
        // No transfer was sent again for any of them.
        foreach (var order in orders.Values) Assert.Single(h.TransfersOf(order.PayoutId));
    }

    /// <summary>
    /// cara, dan and eve each paid a fee and won a prize (700, 600 and 500), paid on Stripe: their accounts, their
    /// fees' payment intents and their orders.
    /// </summary>
    private static async Task<(Dictionary<string, string> Accounts, Dictionary<string, string> Fees,
        Dictionary<string, PrizePayoutOrdered> Orders)> ThreePrizesPaidAsync(PayoutHarness h)
    {
        var accounts = new Dictionary<string, string>();
        foreach (var player in new[] { "cara", "dan", "eve" })
        {
            accounts[player] = await h.World.SignUpForPayoutsAsync(player);
            await h.WaitForRecipientAsync(player);
        }
        var fees = new Dictionary<string, string>();
        var orders = new Dictionary<string, PrizePayoutOrdered>();
        foreach (var (player, rank) in new[] { ("cara", 1), ("dan", 2), ("eve", 3) })
        {
            fees[player] = h.World.Pay("e9", player, 1_000);
            orders[player] = PayoutHarness.Order("e9", player, 800 - 100 * rank, rank, paymentIntent: fees[player]);
            h.Publish(orders[player]);
        }
        foreach (var order in orders.Values) await h.WaitForStateAsync(order.PayoutId, PayoutStatusNames.Paid);
        return (accounts, fees, orders);
    }

    private static async Task AssertEachReversedThenRejectedOnTheTopicAsync(PayoutHarness h,
        Dictionary<string, PrizePayoutOrdered> orders)
    {
        // The ledger's facts, in order on the contest's partition: what came back, then what is withheld of it. The
        // outbox publishes them after the rows commit, so wait until every payout's rejection is on the topic.
        var rejected = orders.Values.Select(o => o.PayoutId).ToHashSet();
        await Eventually.UntilAsync(() => Task.FromResult(h.World.Read(Topics.PayoutsStatus)
            .Where(m => m.Type == PayoutRejected.MessageType)
            .Select(m => m.Body.GetProperty("payoutId").GetString()).ToHashSet().IsSupersetOf(rejected)),
            "every payout's rejection on payouts.status");
        var status = h.World.Read(Topics.PayoutsStatus);
        foreach (var (player, back) in new[] { ("cara", 700L), ("dan", 100L), ("eve", 500L) })
        {
            var payoutId = orders[player].PayoutId;
            var facts = status.Where(m => m.Body.TryGetProperty("payoutId", out var p) && p.GetString() == payoutId
                && m.Type is PrizeTransferReversed.MessageType or PayoutRejected.MessageType).ToList();
            Assert.Equal([PrizeTransferReversed.MessageType, PayoutRejected.MessageType], facts.Select(m => m.Type));
            Assert.Equal(back, facts[0].Body.GetProperty("amountMinor").GetInt64());
            Assert.Equal((back, PayoutRejected.AutomaticOperator),
                (facts[1].Body.GetProperty("amountMinor").GetInt64(),
                    facts[1].Body.GetProperty("operator").GetString()));
        }
    }

    private static async Task AssertDanOwesTheShortfallAsync(PayoutHarness h,
        Dictionary<string, PrizePayoutOrdered> orders)
    {
        // What dan still owes goes to the ledger as a receivable: the shortfall, after what came back.
        await Eventually.UntilAsync(() => Task.FromResult(h.World.Read(Topics.PayoutsStatus)
            .Any(m => m.Type == PrizeClawbackShort.MessageType)), "the shortfall on payouts.status");
        var shortfall = Assert.Single(h.World.Read(Topics.PayoutsStatus),
            m => m.Type == PrizeClawbackShort.MessageType);
        Assert.Equal((orders["dan"].PayoutId, 100L, 500L), (shortfall.Body.GetProperty("payoutId").GetString(),
            shortfall.Body.GetProperty("recoveredMinor").GetInt64(),
            shortfall.Body.GetProperty("owedMinor").GetInt64()));
        await h.WaitForAlertAsync("prize_clawed_back", "warning");
        await h.WaitForAlertAsync("clawback_short", "critical");
        Assert.Contains("500 is owed by the winner", h.World.Read(Topics.Alerts)
            .Single(m => m.Body.GetProperty("code").GetString() == "clawback_short")
            .Body.GetProperty("message").GetString(),
            StringComparison.Ordinal);
    }

    private static (string, long, long) Of((string PayoutId, string State, long Recovered, long Owed) c) =>
        (c.State, c.Recovered, c.Owed);

    private static List<(string?, long)> ReversalsOf(IReadOnlyList<RecordedReversal> reversals, PayoutHarness h,
        string player, Dictionary<string, PrizePayoutOrdered> orders)
    {
        var transfer = Assert.Single(h.TransfersOf(orders[player].PayoutId)).Id;
        return [.. reversals.Where(r => r.Transfer == transfer).Select(r => (r.IdempotencyKey, r.Amount))];
    }
}
