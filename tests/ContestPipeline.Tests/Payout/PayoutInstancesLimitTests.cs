using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Domain;
using ContestPipeline.Tests.Infrastructure;
using Dapper;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// The recipient limits hold with two Payout processes: two payout worker processes, the
/// Stripe-compatible server over HTTP (whose records are what is asserted), the local broker
/// and Postgres.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class PayoutInstancesLimitTests(PipelineFixture fixture)
{
    [Fact]
    public async Task Two_payout_processes_claiming_one_recipients_payouts_at_once_pay_no_more_than_the_daily_count()
    {
        await using var h = await PayoutHarness.StartAsync(fixture, new Dictionary<string, string?> { [PayoutOptions.Settings.DailyCountMax] = "1" });
        h.StartWorker();
        await h.World.SignUpForPayoutsAsync("ann");
        await h.WaitForRecipientAsync("ann");

        // Each claim reads the entry fee's freezes after it took its payouts and before it
        // decides them: holding that table makes the two processes' claims overlap for sure.
        await using var holder = await h.Run.Iso.DataSource.OpenConnectionAsync();
        await using var holding = await holder.BeginTransactionAsync();
        await holder.ExecuteAsync("LOCK TABLE payout.freezes IN ACCESS EXCLUSIVE MODE", transaction: holding);
        const string Waiting = """
            SELECT count(*) FROM pg_locks WHERE NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """;
        var first = PayoutHarness.Order("l1", "ann", 1_000, paymentIntent: "pi_l1");
        var second = PayoutHarness.Order("l2", "ann", 1_000, paymentIntent: "pi_l2");
        h.Publish(first);
        await Eventually.UntilAsync(async () => await h.ScalarAsync<long>(Waiting) == 1, "one process's claim of the first payout waiting",
            TimeSpan.FromSeconds(60));
        // The other process takes the second payout (the first is locked: skipped) while the first claim is open.
        h.Publish(second);
        await Eventually.UntilAsync(async () => await h.ScalarAsync<long>(Waiting) == 2, "the other process's claim of the second payout waiting",
            TimeSpan.FromSeconds(60));
        await holding.RollbackAsync();

        await Eventually.UntilAsync(async () => new[] { await h.StateAsync(first.PayoutId), await h.StateAsync(second.PayoutId) }
                .Order(StringComparer.Ordinal).SequenceEqual(["held:" + HoldKinds.Velocity, PayoutStates.Paid]),
            "one payout paid and the other held by the daily count", TimeSpan.FromSeconds(60));
        var transfers = h.Stripe.Ledger().Transfers;
        Assert.Single(transfers);
        Assert.Single(h.TransferPosts());
        Assert.Contains("payouts in 24 hours", (await h.RowAsync(transfers[0].Metadata["payout_id"] == first.PayoutId ? second.PayoutId : first.PayoutId)).Reason,
            StringComparison.OrdinalIgnoreCase);
    }
}
