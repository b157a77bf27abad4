using ContestPipeline.Tests.Stripe;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;
using Dapper;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// Stripe's idempotency as Stripe behaves, against the payout worker as a real process: a
/// 409 (the key still in flight) is retried under the same key and never moves the payout to
/// a new one, so an operator's release can never send a second transfer beside the first; a
/// key used with other parameters fails the payout with its key kept; and a second payout
/// instance never takes a payout whose Stripe call is still running, even one whose claim
/// waited on a lock for longer than its lease.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class PayoutIdempotencyTests(PipelineFixture fixture)
{
    [Fact]
    public async Task A_409_is_retried_under_the_same_key_and_the_payout_is_paid_once()
    {
        await using var h = await PayoutHarness.StartAsync(fixture);
        await h.World.SignUpForPayoutsAsync("ada");
        await h.WaitForRecipientAsync("ada");
        h.Stripe.InjectFault(new StripeFault(StripeFaultKind.KeyInFlight, "POST", "/v1/transfers", Count: 2));
        var order = PayoutHarness.Order("k1", "ada", 2_500);
        h.Publish(order);

        await h.WaitForStateAsync(order.PayoutId, PayoutStatusNames.Paid);
        Assert.Single(h.TransfersOf(order.PayoutId));
        Assert.Equal([409, 409, 200], h.TransferPosts().Select(q => q.Status));
        Assert.All(h.TransferPosts(), q => Assert.Equal(order.PayoutId, q.IdempotencyKey));
    }

    [Fact]
    public async Task
        A_payout_always_getting_409_gives_up_with_a_critical_alert_and_its_key_so_a_release_sends_no_second_transfer()
    {
        await using var h = await PayoutHarness.StartAsync(fixture,
            new Dictionary<string, string?> { [PayoutOptions.Settings.RoundsMax] = "2" });
        await h.World.SignUpForPayoutsAsync("bo");
        await h.WaitForRecipientAsync("bo");
        // Stripe is still processing a request with this key, round after round: no answer that settles it.
        h.Stripe.InjectFault(new StripeFault(StripeFaultKind.KeyInFlight, "POST", "/v1/transfers", Count: 1_000));
        var order = PayoutHarness.Order("k2", "bo", 1_900);
        h.Publish(order);

        await h.WaitForStateAsync(order.PayoutId, PayoutStatusNames.Failed, seconds: 90);
        await h.WaitForAlertAsync("payout_failed", "critical");
        var failed = await h.RowAsync(order.PayoutId);
        Assert.Equal((order.PayoutId, 0), (failed.AttemptKey, failed.KeyGeneration));
        Assert.StartsWith("gave up after 2 rounds", failed.Reason, StringComparison.Ordinal);
        var tried = h.TransferPosts();
        Assert.True(tried.Count >= 2, $"{tried.Count} attempts");
        Assert.All(tried, q => Assert.Equal((409, order.PayoutId), (q.Status, q.IdempotencyKey)));

        // The first request completes at Stripe; the operator's release (retry) then gets its
        // transfer under the same key rather than making a second one. (No webhooks: the
        // release alone must resolve it.)
        h.Stripe.ClearFaults();
        h.Stripe.WebhookEndpoint = null;
        var made = await h.World.StripeClient.CreateTransferAsync(new TransferCreate(1_900, "usd",
            await h.ScalarAsync<string>("SELECT account_id FROM payout.recipients WHERE player_id = 'bo'"),
            order.ContestId,
            $"Prize {order.PayoutId} for entry {order.EntryId}", new Dictionary<string, string>
            {
                ["contest_id"] = order.ContestId, ["entry_id"] = order.EntryId, ["payout_id"] = order.PayoutId,
                ["player_id"] = order.PlayerId,
            }), order.PayoutId);
        await h.ReleaseAsync(order, "release-after-give-up");
        await h.WaitForStateAsync(order.PayoutId, PayoutStatusNames.Paid);

        Assert.Equal(made.Id, Assert.Single(h.TransfersOf(order.PayoutId)).Id);
        Assert.All(h.TransferPosts(), q => Assert.Equal(order.PayoutId, q.IdempotencyKey));
        Assert.True(h.TransferPosts()[^1].Replayed, "the release was answered with the transfer made under the key");
    }

    [Fact]
    public async Task
        A_key_used_with_other_parameters_fails_the_payout_and_keeps_the_key_so_nothing_is_sent_beside_what_exists()
    {
        await using var h = await PayoutHarness.StartAsync(fixture);
        var account = await h.World.SignUpForPayoutsAsync("cy");
        await h.WaitForRecipientAsync("cy");
        var order = PayoutHarness.Order("k3", "cy", 3_000);
        // Something else already used the payout's key, with another amount.
        var impostor = await h.World.StripeClient.CreateTransferAsync(
            new TransferCreate(2_999, "usd", account, order.ContestId), order.PayoutId);
        h.Publish(order);

        await h.WaitForStateAsync(order.PayoutId, PayoutStatusNames.Failed);
        var failed = await h.RowAsync(order.PayoutId);
        Assert.Equal((order.PayoutId, 0), (failed.AttemptKey, failed.KeyGeneration));
        Assert.Contains(StripeErrorTypes.IdempotencyError, failed.Reason, StringComparison.Ordinal);
        await h.WaitForAlertAsync("payout_failed", "critical");

        await h.ReleaseAsync(order, "release-1");
        await h.WaitForAsync("the release re-sent under the same key",
            "SELECT version > @Version AND state = 'failed' FROM payout.payouts WHERE payout_id = @PayoutId",
            new { failed.Version, order.PayoutId });
        Assert.Equal([200, 400, 400], h.TransferPosts().Select(q => q.Status));
        Assert.All(h.TransferPosts(), q => Assert.Equal(order.PayoutId, q.IdempotencyKey));
        Assert.Equal(impostor.Id, Assert.Single(h.Stripe.Ledger().Transfers).Id);
    }

    [Fact]
    public async Task With_two_payout_processes_and_a_slow_Stripe_a_payout_mid_call_is_never_taken_by_the_other()
    {
        // The lease is three seconds (renewed every second); each transfer takes ten at Stripe.
        // Without renewal the other instance would claim the payout and send it again while the
        // first call runs. (A one-second lease was lost on a machine busy enough to hold a
        // renewal back for more than a second: the lease must outlast the longest pause the
        // process can suffer, which is what the setting is for.)
        await using var h = await PayoutHarness.StartAsync(fixture,
            new Dictionary<string, string?> { [PayoutOptions.Settings.LeaseMs] = "3000" });
        h.StartWorker();
        await h.World.SignUpForPayoutsAsync("dee");
        await h.World.SignUpForPayoutsAsync("eli");
        await h.WaitForRecipientAsync("dee");
        await h.WaitForRecipientAsync("eli");
        h.Stripe.InjectFault(new StripeFault(StripeFaultKind.SlowExecution, "POST", "/v1/transfers", Count: 2,
            Delay: TimeSpan.FromSeconds(10)));
        var first = PayoutHarness.Order("k4", "dee", 1_000);
        var second = PayoutHarness.Order("k4", "eli", 900, rank: 2);
        h.Publish(first);
        h.Publish(second);

        await h.WaitForStateAsync(first.PayoutId, PayoutStatusNames.Paid);
        await h.WaitForStateAsync(second.PayoutId, PayoutStatusNames.Paid);

        var posts = h.TransferPosts();
        Assert.Equal([first.PayoutId, second.PayoutId], posts.Select(q => q.IdempotencyKey).Order());
        Assert.All(posts,
            q => Assert.Equal((200, false, StripeFaultKind.SlowExecution), (q.Status, q.Replayed, q.Fault)));
        Assert.Single(h.TransfersOf(first.PayoutId));
        Assert.Single(h.TransfersOf(second.PayoutId));
    }

    [Fact]
    public async Task A_claim_that_waited_on_a_lock_longer_than_its_lease_keeps_its_payout_while_the_call_runs()
    {
        // The lease is three seconds (renewed every second: a one-second lease can be lost on a
        // machine busy enough to hold a renewal back). The claim reads the entry fee's freezes,
        // which this test holds locked for 4.5 s: the claim commits a lease stamped before it
        // waited, run out by then. Unless the lease is stamped again as the claim ends, a claim
        // polling every 250 ms (the other process's, or this one's next round) takes the payout
        // before the first renewal and sends it again while the first call, three seconds at
        // Stripe, runs.
        await using var h = await PayoutHarness.StartAsync(fixture,
            new Dictionary<string, string?> { [PayoutOptions.Settings.LeaseMs] = "3000" });
        h.StartWorker();
        await h.World.SignUpForPayoutsAsync("fay");
        await h.WaitForRecipientAsync("fay");
        h.Stripe.InjectFault(new StripeFault(StripeFaultKind.SlowExecution, "POST", "/v1/transfers", Count: 1,
            Delay: TimeSpan.FromSeconds(3)));
        var order = PayoutHarness.Order("k5", "fay", 1_200);

        DateTime released;
        await using (var holder = await h.Run.Iso.DataSource.OpenConnectionAsync())
        {
            await using var holding = await holder.BeginTransactionAsync();
            await holder.ExecuteAsync("LOCK TABLE payout.freezes IN ACCESS EXCLUSIVE MODE", transaction: holding);
            h.Publish(order);
            await Eventually.UntilAsync(async () => await h.LockWaitersAsync("payout.freezes") == 1,
                "the claim waiting on the freezes", TimeSpan.FromSeconds(60));
            await Task.Delay(TimeSpan.FromSeconds(4.5));
            released = await holder.ExecuteScalarAsync<DateTime>("SELECT clock_timestamp()", transaction: holding);
            await holding.RollbackAsync();
        }

        await h.WaitForStateAsync(order.PayoutId, PayoutStatusNames.Paid);
        // The claim read its clock before it waited: the lease it stamped then had run out when it committed.
        var stamped = await h.ScalarAsync<DateTime>(
            "SELECT submitted_at FROM payout.payouts WHERE payout_id = @PayoutId", order);
        Assert.True(released - stamped > TimeSpan.FromSeconds(3),
            $"claimed at {stamped:O}, the freezes released at {released:O}");
        var posts = h.TransferPosts();
        Assert.True(posts.Count == 1, h.DescribeTransferPosts());
        Assert.Equal((order.PayoutId, 200, false), (posts[0].IdempotencyKey, posts[0].Status, posts[0].Replayed));
        Assert.Single(h.TransfersOf(order.PayoutId));
    }
}
