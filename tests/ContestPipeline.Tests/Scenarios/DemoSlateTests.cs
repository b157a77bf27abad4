using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.Tests.Infrastructure;
using Dapper;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// The main job's slate (a paid fantasy contest, a paid and a free fitness challenge, one cancelled), on a deployment
/// of its own: every worker as a process, the webhook
/// receiver, the Stripe-compatible server. The slate checks invariants 1, 2, 3 and 5 against
/// Stripe's own records and the ledger; any failed check fails the test with its text. The
/// key figures are asserted here as well, from Stripe's records and the database, so a check
/// weakened in the slate still leaves a test that fails.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class DemoSlateTests(PipelineFixture fixture)
{
    [Fact]
    public async Task The_demo_slate_runs_from_feed_to_PAID_with_every_check_holding()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture, 1121);
        await using var webhooks = await LocalWebhooks.StartAsync(run.Swaps);
        foreach (var worker in new[] { "ingestion", "scoring", "settlement", "payout" })
            run.StartWorker(worker, env: ContestSlate.PayoutEnvironment);
        await run.ReadyAsync();
        var slate = new ContestSlate(run.World, run.Iso.DataSource, run.Swaps);

        var ok = await slate.RunAsync(CancellationToken.None);

        Assert.True(ok && slate.Problems.Count == 0, "failed checks: " + string.Join(" | ", slate.Problems));
        await run.ReadToEndAsync();

        // The four contests' final states.
        Assert.Equal(("PAID", "PAID", "PAID", "CANCELLED"),
            (await run.SettlementStateAsync("sunday-main"), await run.SettlementStateAsync("steps-nov"),
                await run.SettlementStateAsync("walk-free"), await run.StateAsync("tiny")));

        // Invariant 1: one transfer per prize ordered, for its amount, and no other.
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        var prizes = (await conn.QueryAsync<(string PayoutId, string ContestId, long Net)>(
            "SELECT payout_id, contest_id, net_minor FROM settlement.payouts WHERE net_minor > 0")).ToList();
        var stripe = run.Stripe.Ledger();
        var transfers = stripe.Transfers.Select(t => (PayoutId: t.Metadata.GetValueOrDefault("payout_id") ?? "",
            ContestId: t.TransferGroup ?? "", Net: t.Amount)).ToList();
        Assert.Equal(3, prizes.Select(p => p.ContestId).Distinct().Count());
        Assert.Equal(transfers.Count, transfers.Select(t => t.PayoutId).Distinct().Count());
        Assert.Equal(prizes.Order(), transfers.Order());

        // Invariant 2: three refunds (the over-limit entry, the late one, tiny's entry), each
        // ordered once and made once.
        var ordered = run.World.Read(Topics.PayoutsDue).Where(m => m.Type == RefundOrdered.MessageType)
            .Select(m => m.Body.GetProperty("paymentIntentId").GetString()!).Order().ToList();
        Assert.Equal(3, ordered.Distinct().Count());
        Assert.Equal(ordered, stripe.Refunds.Select(r => r.PaymentIntent).Order());
        Assert.All(stripe.Refunds, r => Assert.Equal(1_000, r.Amount));
        var tiny = Assert.Single(run.World.Read(Topics.PayoutsDue),
            m => m.Type == RefundOrdered.MessageType && m.Key == "tiny");
        Assert.Contains(tiny.Body.GetProperty("paymentIntentId").GetString(), ordered);

        // walk-free, free to enter: five entries that paid nothing, its prize the sponsor's guarantee.
        Assert.Equal(5, await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM settlement.entries WHERE contest_id = 'walk-free' AND amount_minor = 0"));
        Assert.Equal(2_000, transfers.Where(t => t.ContestId == "walk-free").Sum(t => t.Net));
        Assert.Equal(2_000, await conn.ExecuteScalarAsync<long>(
            "SELECT sum(amount_minor) FROM settlement.postings WHERE account = 'sponsor:acme-shoes:funding'"));

        // The ledger: every journal entry balances, the book sums to zero, and its Stripe
        // balance account is Stripe's own balance.
        Assert.Empty(await conn.QueryAsync<string>(
            "SELECT journal_id FROM settlement.postings GROUP BY journal_id, currency HAVING sum(amount_minor) <> 0"));
        Assert.Equal(0,
            await conn.ExecuteScalarAsync<long>("SELECT coalesce(sum(amount_minor), 0) FROM settlement.postings"));
        var balance = run.Stripe.PlatformBalance("usd");
        Assert.Equal(balance.Available + balance.Pending,
            await conn.ExecuteScalarAsync<long>(
                "SELECT sum(amount_minor) FROM settlement.postings WHERE account = 'platform:stripe_balance'"));
    }
}
