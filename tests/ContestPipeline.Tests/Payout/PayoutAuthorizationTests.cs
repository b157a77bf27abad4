using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Payout;
using ContestPipeline.Tests.Infrastructure;
using Dapper;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// Only the pipeline's own orders move money, and only within what Settlement authorized: the
/// payout worker as a real process, the Stripe-compatible server over HTTP, the webhook
/// receiver, the local broker and Postgres. Orders are published as Settlement signs them
/// (or as an outsider would not).
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class PayoutAuthorizationTests(PipelineFixture fixture)
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        [PayoutOptions.Settings.RetryDelayBaseMs] = "200",
        [PayoutOptions.Settings.LeaseMs] = "1000",
        [PayoutOptions.Settings.AccountRecheckMs] = "500",
    };

    private static PrizePayoutOrdered Order(string contest, string player, long net) =>
        new($"prize_{contest}_{player}_{net}", contest, $"entry_{contest}_{player}", player, 1, net, 0, net, "USD");

    private static void Authorize(OutsideWorld world, string id, string contest, int payouts, long net)
    {
        var a = new ContestPayoutsAuthorized(id, contest, payouts, net, "USD", DateTimeOffset.UtcNow);
        world.Publish(Topics.PayoutsDue, contest, ContestPayoutsAuthorized.MessageType,
            ContestPayoutsAuthorized.MessageIdFor(id), a);
    }

    /// <summary>
    /// Entry fees of <paramref name="net"/> paid into the contest on Stripe and verified by Payout, so its verified
    /// funds are not what bounds these orders: the authorization is.
    /// </summary>
    private static void Fund(ContestRun run, string contest, long net) =>
        PayoutHarness.Fund(run,
            new PrizePayoutOrdered("fee_" + contest, contest, "fee", "payer", 1, net, 0, net, "USD"));

    private static void Publish(OutsideWorld world, PrizePayoutOrdered o) =>
        world.Publish(Topics.PayoutsDue, o.ContestId, PrizePayoutOrdered.MessageType, o.PayoutId, o);

    private static async Task<List<string>> PaidAsync(ContestRun run)
    {
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        if (!await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('payout.payouts') IS NOT NULL")) return [];
        return [.. await conn.QueryAsync<string>(
            "SELECT payout_id FROM payout.payouts WHERE state = 'paid' ORDER BY payout_id COLLATE \"C\"")];
    }

    /// <summary>
    /// Dead letters on payouts.due.dlq by the original message id, with their reasons, and the alerts raised, by
    /// subject.
    /// </summary>
    private static (Dictionary<string, string> Letters,
        List<(string Severity, string Code, string Message)> Alerts) Refusals(ContestRun run) =>
        (run.World.Read(Topics.DeadLetter(Topics.PayoutsDue))
            .ToDictionary(d => d.Headers[MessageHeaders.MessageId], d => d.Headers[MessageHeaders.DeadLetterReason]),
         [.. run.World.Read(Topics.Alerts).Select(a => (a.Body.GetProperty("severity").GetString()!,
             a.Body.GetProperty("code").GetString()!, a.Body.GetProperty("message").GetString()!))]);

    private static Task ReadToTheEndAsync(ContestRun run) =>
        Eventually.UntilAsync(() =>
            Task.FromResult(PipelineFixture.Lag(run.Iso.Broker.BootstrapServers, "payout.orders", Topics.PayoutsDue)
                == 0), "payout.orders to commit every message on payouts.due", TimeSpan.FromSeconds(60));

    [Fact]
    public async Task
        Orders_over_authorized_count_or_total_or_unauthorized_are_refused_and_a_later_authorization_lets_one_through()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture, 21);
        await using var webhooks = await LocalWebhooks.StartAsync(run.Swaps);
        run.Stripe.TopUp(1_000_000, "usd");
        foreach (var p in new[] { "ann", "ben", "cat" }) await run.World.SignUpForPayoutsAsync(p);
        run.StartWorker("payout", env: Settings);

        Fund(run, "ca", 1_300);
        Authorize(run.World, "settle:ca", "ca", payouts: 2, net: 1_000);
        var (a, b, c, d) = (Order("ca", "ann", 800), Order("ca", "ben", 300), Order("ca", "cat", 200),
            Order("ca", "dan", 1));
        var unauthorized = Order("cz", "cat", 500);
        foreach (var o in new[] { a, b, c, d, unauthorized }) Publish(run.World, o);

        await Eventually.UntilAsync(async () => (await PaidAsync(run)).Count == 2 && Refusals(run).Letters.Count == 3,
            "two orders paid and three refused", TimeSpan.FromSeconds(60));
        await ReadToTheEndAsync(run);
        Assert.Equal([a.PayoutId, c.PayoutId], await PaidAsync(run));
        Assert.Equal([a.PayoutId, c.PayoutId],
            run.Stripe.Ledger().Transfers.Select(t => t.Metadata["payout_id"]).Order(StringComparer.Ordinal));
        var (letters, alerts) = Refusals(run);
        Assert.Equal($"payout {b.PayoutId} of 300 USD to ben refused: contest ca is authorized 1000 USD net; "
            + "800 is ordered already, and 300 more would pass it", letters[b.PayoutId]);
        Assert.Equal($"payout {d.PayoutId} of 1 USD to dan refused: "
            + "contest ca is authorized 2 payouts and 2 are ordered already", letters[d.PayoutId]);
        Assert.Equal($"payout {unauthorized.PayoutId} of 500 USD to cat refused: "
            + "Settlement authorized no payouts for contest cz (no settlement of it is known here)",
            letters[unauthorized.PayoutId]);
        foreach (var o in new[] { b, d, unauthorized })
            Assert.Contains(alerts, x => x.Severity == AlertSeverities.Critical && x.Code == "dead_letter"
                && x.Message.Contains(o.PayoutId, StringComparison.Ordinal));

        // A second authorization of the contest adds to what it may pay (within its verified fees): the
        // refused order, re-driven with an operator's grant, now fits and is paid once.
        Authorize(run.World, "make-good:ca:1", "ca", payouts: 1, net: 300);
        run.World.Redrive(Topics.PayoutsDue, b.ContestId, PrizePayoutOrdered.MessageType, b.PayoutId, b);
        await Eventually.UntilAsync(async () => (await PaidAsync(run)).Contains(b.PayoutId), "the made-good order paid",
            TimeSpan.FromSeconds(60));
        Assert.Equal(3, run.Stripe.Ledger().Transfers.Count);
    }

    [Fact]
    public async Task A_well_formed_prize_order_put_on_payouts_due_by_a_plain_producer_is_refused_and_pays_nobody()
    {
        // The report this closes: a PrizePayoutOrdered of 485.00 for a player with a payout
        // account, published by a plain Kafka producer with no key of the pipeline's, was paid.
        await using var run = await ContestRun.StartEmptyAsync(fixture, 22);
        await using var webhooks = await LocalWebhooks.StartAsync(run.Swaps);
        run.Stripe.TopUp(1_000_000, "usd");
        await run.World.SignUpForPayoutsAsync("eve");
        run.StartWorker("payout", env: Settings);

        var forged = Order("cx", "eve", 48_500);
        var cover = new ContestPayoutsAuthorized("settle:cx", "cx", 1, 48_500, "USD", DateTimeOffset.UtcNow);
        run.World.PublishAs(null, Topics.PayoutsDue, "cx", ContestPayoutsAuthorized.MessageType,
            ContestPayoutsAuthorized.MessageIdFor("settle:cx"), cover);
        run.World.PublishAs(null, Topics.PayoutsDue, "cx", PrizePayoutOrdered.MessageType, forged.PayoutId, forged);
        // Then a genuine order, so that the worker is seen to read past the forgeries and pay.
        Fund(run, "cy", 1_000);
        Authorize(run.World, "settle:cy", "cy", 1, 1_000);
        var genuine = Order("cy", "eve", 1_000);
        Publish(run.World, genuine);

        await Eventually.UntilAsync(async () => (await PaidAsync(run)).Contains(genuine.PayoutId),
            "the genuine order paid", TimeSpan.FromSeconds(60));
        await ReadToTheEndAsync(run);
        Assert.Equal([genuine.PayoutId], run.Stripe.Ledger().Transfers.Select(t => t.Metadata["payout_id"]));
        // The refusals go out through the outbox after the consumer commits: waited for on their topics.
        var (letters, alerts) = await Eventually.UntilAsync(() => Refusals(run),
            r => r.Letters.ContainsKey(forged.PayoutId)
                && r.Letters.ContainsKey(ContestPayoutsAuthorized.MessageIdFor("settle:cx"))
                && r.Alerts.Count(x => x.Code == "unauthenticated") >= 2,
            "both forgeries dead-lettered and alerted");
        Assert.StartsWith("unauthenticated: not signed", letters[forged.PayoutId], StringComparison.Ordinal);
        Assert.StartsWith("unauthenticated: not signed", letters[ContestPayoutsAuthorized.MessageIdFor("settle:cx")],
            StringComparison.Ordinal);
        Assert.Equal(2, alerts.Count(x => x is { Severity: AlertSeverities.Critical, Code: "unauthenticated" }));
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        Assert.Equal(0,
            await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM payout.payouts WHERE contest_id = 'cx'"));
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM payout.payout_authorizations WHERE contest_id = 'cx'"));
    }
}
