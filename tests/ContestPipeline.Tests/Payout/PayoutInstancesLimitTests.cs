using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout;
using ContestPipeline.Tests.Infrastructure;
using Dapper;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// The recipient limits hold with two Payout processes: two payout worker processes, the
/// Stripe-compatible server over HTTP (whose records are what is asserted), the local broker
/// and Postgres. Two payouts to one recipient claimed by both processes at once: the spacing
/// between one recipient's payouts holds the second; once it is past, the daily count holds one of two.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class PayoutInstancesLimitTests(PipelineFixture fixture)
{
    private static readonly TimeSpan Spacing = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task
        Two_payout_processes_claiming_one_recipients_payouts_at_once_keep_the_spacing_and_the_daily_count()
    {
        await using var h = await PayoutHarness.StartAsync(fixture, new Dictionary<string, string?>
        {
            [PayoutOptions.Settings.DailyCountMax] = "2",
            [PayoutOptions.Settings.RecipientPayoutSpacingSeconds] = ((int)Spacing.TotalSeconds)
                .ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        h.StartWorker();
        foreach (var player in new[] { "ann", "bo" })
        {
            await h.World.SignUpForPayoutsAsync(player);
            await h.WaitForRecipientAsync(player);
        }

        // ann's first two at once: one paid, the other held by the spacing until it is past, then sent.
        var (first, spaced) = await RaceAsync(h, PayoutHarness.Order("l1", "ann", 1_000, paymentIntent: "pi_l1"),
            PayoutHarness.Order("l2", "ann", 1_000, paymentIntent: "pi_l2"));
        Assert.Contains($"payouts to one recipient are at least {(int)Spacing.TotalSeconds} s apart",
            (await h.RowAsync(spaced)).Reason,
            StringComparison.Ordinal);
        await h.WaitForStateAsync(spaced, PayoutStatusNames.Paid, seconds: 90);
        var apart = await h.ScalarAsync<TimeSpan>(
            "SELECT b.submitted_at - a.submitted_at FROM payout.payouts a, payout.payouts b WHERE a.payout_id = @first "
            + "AND b.payout_id = @spaced",
            new { first, spaced });
        Assert.True(apart >= Spacing, $"the spaced payout was sent {apart} after the first");

        // bo has one payout in 24 hours and its spacing is past: of the next two at once, the daily count holds one.
        var b0 = PayoutHarness.Order("b0", "bo", 1_000, paymentIntent: "pi_b0");
        h.Publish(b0);
        await h.WaitForStateAsync(b0.PayoutId, PayoutStatusNames.Paid);
        await Task.Delay(Spacing);
        var (_, counted) = await RaceAsync(h, PayoutHarness.Order("b1", "bo", 1_000, paymentIntent: "pi_b1"),
            PayoutHarness.Order("b2", "bo", 1_000, paymentIntent: "pi_b2"));
        Assert.Contains("payouts in 24 hours", (await h.RowAsync(counted)).Reason, StringComparison.OrdinalIgnoreCase);
        var transfers = h.Stripe.Ledger().Transfers;
        var posts = h.TransferPosts();
        Assert.True(transfers.Count == 4 && posts.Count == 4,
            $"transfers under {string.Join(", ", transfers.Select(t => t.IdempotencyKey))}; "
            + $"POSTs {h.DescribeTransferPosts()}");
    }

    /// <summary>
    /// Both payouts claimed by the two processes at once; waits until one is paid and the other held.
    /// </summary>
    private static async Task<(string Paid, string Held)> RaceAsync(PayoutHarness h, PrizePayoutOrdered first,
        PrizePayoutOrdered second)
    {
        await ClaimAtOnceAsync(h, first, second);
        await Eventually.UntilAsync(async () =>
            new[] { await h.StateAsync(first.PayoutId), await h.StateAsync(second.PayoutId) }
                .Order(StringComparer.Ordinal).SequenceEqual(["held:" + HoldKinds.Velocity, PayoutStatusNames.Paid]),
            "one payout paid and the other held", TimeSpan.FromSeconds(60));
        return await h.StateAsync(first.PayoutId) == PayoutStatusNames.Paid ? (first.PayoutId, second.PayoutId)
            : (second.PayoutId, first.PayoutId);
    }

    /// <summary>
    /// Each claim reads the entry fee's freezes after it took its payouts and before it decides them: holding that
    /// table while both are published makes the two processes' claims overlap for sure.
    /// </summary>
    private static async Task ClaimAtOnceAsync(PayoutHarness h, PrizePayoutOrdered first, PrizePayoutOrdered second)
    {
        await using var holder = await h.Run.Iso.DataSource.OpenConnectionAsync();
        await using var holding = await holder.BeginTransactionAsync();
        await holder.ExecuteAsync("LOCK TABLE payout.freezes IN ACCESS EXCLUSIVE MODE", transaction: holding);
        h.Publish(first);
        await Eventually.UntilAsync(async () => await h.LockWaitersAsync() == 1,
            "one process's claim of the first payout waiting",
            TimeSpan.FromSeconds(60));
        // The other process takes the second payout (the first is locked: skipped) while the first claim is open.
        h.Publish(second);
        await Eventually.UntilAsync(async () => await h.LockWaitersAsync() == 2,
            "the other process's claim of the second payout waiting",
            TimeSpan.FromSeconds(60));
        await holding.RollbackAsync();
    }
}
