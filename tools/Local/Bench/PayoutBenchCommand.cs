using ContestPipeline.Deployment;
using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ContestPipeline.Local.Bench;

/// <summary>
/// cpdev bench payouts: N prize orders through the real payout worker (a process), the local
/// broker, the Stripe-compatible server enforcing a request limit, and Stripe's events coming
/// back through the webhook receiver. Payout is the only process calling Stripe, so the whole
/// account budget is its share. Prints the transfer rate achieved as a share of the limit,
/// the 429s received, the requests per transfer by kind, and whether every transfer was made
/// exactly once.
/// </summary>
public static class PayoutBenchCommand
{
    private const long Net = 1_000;
    private const int Players = 100;

    public static async Task<BenchReport?> RunAsync(int transfers, int stripeRps, int instances, bool pooled,
        CancellationToken ct)
    {
        pooled &= instances > 1;
        var contests = (transfers + Players - 1) / Players;
        var shares = StripeBudget.Split(stripeRps, [.. Enumerable.Range(1, instances).Select(i => ($"payout-{i}", 1))])
            .Select(s => s.RequestsPerSecond).ToList();
        PrintHeader(transfers, stripeRps, instances, pooled, contests, shares);
        if (await BenchSetup.PrepareAsync("payouts", "contestpipeline_bench_payouts", ct) is not { } prepared)
            return null;
        var (pg, runDir) = prepared;
        await using var broker = await LocalBrokerProcess.StartAsync(Path.Combine(runDir, "broker.json"),
            Path.Combine(runDir, "broker.log"));
        await using var stripe =
            await StripeEmulator.StartAsync(new StripeEmulatorOptions { RequestsPerSecondMax = stripeRps });
        var swaps = LocalSwaps.For(runDir, broker, pg, stripe);
        await LocalServices.MigrateAsync(swaps, ct);
        await using var webhooks = await LocalWebhooks.StartAsync(swaps, ct);
        stripe.TopUp(2 * Net * transfers, "usd");

        // Payout with its identity; all of the account's Stripe budget is Payout's here, split
        // between its instances as the budget splits it (StripeBudget.Split).
        // Started together, the instances share the orders group's first assignment only if each has joined before
        // it is made (a real broker waits 3 s for a new group; the local one waits for none unless told). Without
        // it, a second instance joining late revokes what the first was given, twice, while the orders are out.
        if (instances > 1) await broker.Control.SetInitialRebalanceDelayAsync(5_000);
        var payouts = StartPayouts(swaps, runDir, stripeRps, instances, shares, pooled);
        await using var stopPayouts = new AsyncDisposables(payouts);
        using var world = new OutsideWorld(broker.BootstrapServers, stripe);
        await BenchSetup.WaitAsync(pg, "SELECT count(*) FROM payout.schema_migrations", n => n > 0, "payout to start",
            TimeSpan.FromMinutes(3), ct);

        // The winners sign up (Stripe's account.updated tells Payout they can receive), before the clock starts.
        var players = Enumerable.Range(1, Players)
            .Select(i => "winner" + i.ToString("000", CultureInfo.InvariantCulture)).ToList();
        foreach (var p in players) await world.SignUpForPayoutsAsync(p);
        await BenchSetup.WaitAsync(pg, "SELECT count(*) FROM payout.recipients WHERE can_receive", n => n == Players,
            "every winner's account to be known", TimeSpan.FromMinutes(3), ct);
        // Each contest's fees paid in, before the clock starts too: Payout pays a contest at most the entry fees it
        // has itself verified on Stripe as paid in for it, and holds the orders beyond them.
        for (var c = 0; c < contests; c++) world.Pay(ContestName(c), "bench-fees", Net * Players);
        await BenchSetup.WaitAsync(pg, "SELECT count(*) FROM payout.verified_payments", n => n == contests,
            "every contest's fees verified by Payout", TimeSpan.FromMinutes(3), ct);
        var setupRequests = stripe.Requests().Count;
        // The orders go out to a group that has settled: each instance holding its part of payouts.due.
        await BenchSetup.WaitForAssignmentAsync(
            [.. Enumerable.Range(1, instances).Select(i => Path.Combine(runDir, $"payout-{i}.log"))],
            "payout.orders", TimeSpan.FromMinutes(1), ct);

        using var producer = KafkaClients.Producer(
            KafkaClients.ProducerConfig(broker.BootstrapServers, "bench.payouts"), NullLogger.Instance);
        var (orders, produceErrors) = PublishOrders(world, producer, players, transfers, contests, ct);
        var published = DateTimeOffset.UtcNow;
        Console.WriteLine($"published {orders.Count:N0} orders (produce errors {produceErrors}); sending ...");

        var window = await WaitForTransfersAsync(stripe, transfers, stripeRps, ct);
        var allPaid = await AllPaidAsync(pg, transfers, ct);
        return await ReportAsync(new PayoutRun(transfers, stripeRps, instances, pooled, runDir), pg, stripe,
            orders, setupRequests, window, (published, allPaid), ct);
    }

    private static string ContestName(int index) =>
        "bench-payouts-" + index.ToString("0000", CultureInfo.InvariantCulture);

    /// <summary>How the bench was run: what its report says of it.</summary>
    private sealed record PayoutRun(int Transfers, int StripeRps, int Instances, bool Pooled, string RunDir);

    private static void PrintHeader(int transfers, int stripeRps, int instances, bool pooled, int contests,
        List<int> shares)
    {
        Console.WriteLine(
            $"bench payouts: {transfers:N0} prize transfers ({contests:N0} contests × up to {Players} winners); "
            + $"Stripe limit {stripeRps}/s, all of it Payout's: {instances} instance(s), "
            + (pooled ? $"pooling it ({StripeServices.PoolRateVariable}), "
                : $"shares {string.Join(" + ", shares)}/s, ")
            + $"each with a burst of a quarter of {string.Join(" + ", shares)}/s");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}");
    }

    /// <summary>One Payout process for each share of the Stripe budget, each told its share.</summary>
    private static List<IAsyncDisposable> StartPayouts(LocalSwaps swaps, string runDir, int stripeRps, int instances,
        List<int> shares, bool pooled)
    {
        var payouts = new List<IAsyncDisposable>(instances);
        for (var i = 0; i < instances; i++)
        {
            var env = new Dictionary<string, string?>
            {
                [StripeServices.RateVariable] = shares[i].ToString(CultureInfo.InvariantCulture),
                [StripeServices.AccountRateVariable] = stripeRps.ToString(CultureInfo.InvariantCulture),
                // Its burst too (a quarter of its share, within the budget's rule: Σ burst ≤ the limit):
                // the tokens earned while a round is claimed are spent when its sends start.
                [StripeServices.BurstVariable] = Math.Max(1, shares[i] / 4).ToString(CultureInfo.InvariantCulture),
            };
            // Pooled, the instances divide the whole limit between those with transfers to make (ShareStripeBudgetJob).
            if (pooled) env[StripeServices.PoolRateVariable] = stripeRps.ToString(CultureInfo.InvariantCulture);
            // A rate benchmark, not a limits one.
            foreach (var (k, v) in PayoutLimitsOff.Settings) env[k] = v;
            payouts.Add(LocalServices.Start(Services.Payout, swaps, Path.Combine(runDir, $"payout-{i + 1}.log"), env));
        }
        return payouts;
    }

    /// <summary>
    /// The orders, as Settlement publishes them (signed as Settlement): each contest's authorization, then its
    /// prizes, all produced before the clock starts, so what is measured is Payout's sending, not this driver's
    /// producing.
    /// </summary>
    private static (List<PrizePayoutOrdered> Orders, long ProduceErrors) PublishOrders(OutsideWorld world,
        IProducer<byte[]?, byte[]?> producer, List<string> players, int transfers, int contests, CancellationToken ct)
    {
        var signer = world.Keys.SignerFor(Producers.Settlement);
        var produceErrors = 0L;
        void Produce<T>(string contest, string type, string messageId, T body) where T : IMessage
        {
            var message = OutgoingMessage.Create(Topics.PayoutsDue, contest,
                new Envelope(messageId, type, 1, messageId, null, DateTimeOffset.UtcNow), body);
            var headers = signer.Sign(Topics.PayoutsDue, message.Key, message.Headers, message.Payload);
            producer.Produce(Topics.PayoutsDue, new Message<byte[]?, byte[]?> { Key = message.Key,
                Value = message.Payload, Headers = KafkaClients.Headers(headers) },
                r => { if (r.Error.IsError) Interlocked.Increment(ref produceErrors); });
        }
        var orders = new List<PrizePayoutOrdered>(transfers);
        for (var c = 0; c < contests; c++)
        {
            var contest = ContestName(c);
            var winners = players.Take(Math.Min(Players, transfers - c * Players)).ToList();
            var authorization = new ContestPayoutsAuthorized("bench:" + contest, contest, winners.Count,
                Net * winners.Count, "USD", DateTimeOffset.UtcNow);
            Produce(contest, ContestPayoutsAuthorized.MessageType,
                ContestPayoutsAuthorized.MessageIdFor(authorization.AuthorizationId), authorization);
            var rank = 0;
            foreach (var p in winners)
            {
                var order = new PrizePayoutOrdered($"prize_{contest}_{p}", contest, $"entry_{contest}_{p}", p, ++rank,
                    Net, 0, Net, "USD", null);
                Produce(contest, PrizePayoutOrdered.MessageType, order.PayoutId, order);
                orders.Add(order);
            }
        }
        producer.Flush(ct);
        return (orders, Interlocked.Read(ref produceErrors));
    }

    /// <summary>
    /// The rate: from the first transfer Stripe made to the last, as a poll every 100 ms sees it; null where none
    /// was seen.
    /// </summary>
    private static async Task<(TimeSpan? First, TimeSpan? Last)> WaitForTransfersAsync(StripeEmulator stripe,
        int transfers, int stripeRps, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var timeout = TimeSpan.FromSeconds(120 + 5.0 * transfers / stripeRps);
        TimeSpan? first = null, last = null;
        var lastPrint = TimeSpan.Zero;
        while (watch.Elapsed < timeout && !ct.IsCancellationRequested)
        {
            // A count, not the ledger: copying up to 10,000 transfers under the server's lock ten times a second
            // would take from the process that answers Stripe's requests.
            var made = stripe.TransferCount();
            if (made > 0) first ??= watch.Elapsed;
            if (made >= transfers)
            {
                last = watch.Elapsed;
                break;
            }
            if (watch.Elapsed - lastPrint > TimeSpan.FromSeconds(10))
            {
                lastPrint = watch.Elapsed;
                Console.WriteLine($"  {made:N0} transfers so far");
            }
            await Task.Delay(100, ct);
        }
        return (first, last);
    }

    /// <summary>When every payout was recorded paid and the transfer events read back; null if not in time.</summary>
    private static async Task<DateTimeOffset?> AllPaidAsync(string pg, int transfers, CancellationToken ct)
    {
        DateTimeOffset? allPaid = null;
        try
        {
            allPaid = await BenchSetup.WaitAsync(pg, "SELECT count(*) FROM payout.payouts WHERE state = 'paid'",
                n => n >= transfers, "every payout recorded paid", TimeSpan.FromMinutes(2), ct);
        }
        catch (TimeoutException e)
        {
            Console.WriteLine(e.Message);
        }
        return allPaid;
    }

    /// <summary>What Stripe made and Payout recorded, printed and reported.</summary>
    private static async Task<BenchReport> ReportAsync(PayoutRun run, string pg, StripeEmulator stripe,
        List<PrizePayoutOrdered> orders, int setupRequests, (TimeSpan? First, TimeSpan? Last) window,
        (DateTimeOffset Published, DateTimeOffset? AllPaid) paidOut, CancellationToken ct)
    {
        var (transfers, stripeRps, instances, pooled, runDir) = run;
        var ledger = stripe.Ledger();
        var byPayout = ledger.Transfers.GroupBy(t => t.Metadata.GetValueOrDefault("payout_id") ?? "?").ToList();
        var twice = byPayout.Count(g => g.Count() > 1);
        var wanted = orders.Select(o => o.PayoutId).ToHashSet(StringComparer.Ordinal);
        var madeOnce = byPayout.Count(g => g.Count() == 1 && wanted.Contains(g.Key));
        var requests = stripe.Requests().Skip(setupRequests).ToList();
        var refused = requests.Count(r => r.Status == 429);
        var seconds = window.First is { } f && window.Last is { } l ? (l - f).TotalSeconds : double.NaN;
        var rate = seconds > 0 ? (transfers - 1) / seconds : double.NaN;
        await using var conn = new NpgsqlConnection(pg);
        await conn.OpenAsync(ct);
        var paid = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM payout.payouts WHERE state = 'paid'");

        Console.WriteLine();
        Console.WriteLine($"transfers made:            {ledger.Transfers.Count:N0} for {transfers:N0} orders; "
            + $"each payout once: {madeOnce:N0}; more than once: {twice:N0}   (target: every one once)");
        Console.WriteLine($"achieved transfer rate:    {rate:N1}/s over {seconds:F1} s = "
            + $"{rate / stripeRps:P1} of the {stripeRps}/s limit   "
            + $"(target ≥ {(instances > 1 ? 99 : 95)}%, ratio {rate / stripeRps / (instances > 1 ? 0.99 : 0.95):F2})");
        // Every request counts against the limit, also the balance and transfer reads between transfers: a rate of
        // transfers can reach at most the limit over the requests per transfer.
        var budgetUsed = seconds > 0 ? requests.Count / seconds : double.NaN;
        Console.WriteLine(
            $"budget used:               {budgetUsed:N1} requests/s = {budgetUsed / stripeRps:P1} of the limit "
            + "(every request after set-up, over the transfers' window)");
        Console.WriteLine($"429s received:             {refused:N0}   (target 0)");
        Console.WriteLine($"Stripe requests:           {requests.Count:N0} = " +
            $"{requests.Count / (double)Math.Max(1, transfers):F2} per transfer: " +
            string.Join(", ", requests.GroupBy(r => $"{r.Method} {Kind(r.Path)}").OrderByDescending(g => g.Count())
                .Select(g => $"{g.Key} {g.Count():N0}")));
        Console.WriteLine($"payouts recorded paid:     {paid:N0}{(paidOut.AllPaid is { } a
            ? $" (the last {(a - paidOut.Published).TotalSeconds:F1} s after the orders were out)" : "")}");
        Console.WriteLine($"logs: {runDir}");
        var report = new BenchReport();
        report.Add("transfers/s", $"{rate:N1} over {seconds:F1} s");
        report.Add($"share of the limit (≥ {(instances > 1 ? 99 : 95)} %)",
            $"{rate / stripeRps:P1} of {stripeRps}/s, "
                + $"{instances} instance(s){(pooled ? ", pooled" : instances > 1 ? ", fixed shares" : "")}");
        report.Add("budget used", $"{budgetUsed / stripeRps:P1} of the limit");
        report.Add("429s (0)", $"{refused:N0}");
        report.Add("requests per transfer", $"{requests.Count / (double)Math.Max(1, transfers):F2}");
        report.Add("each payout once / twice", $"{madeOnce:N0} / {twice:N0}");
        report.Check(madeOnce == transfers && twice == 0 && paid == transfers,
            $"every payout transferred once and recorded paid: once {madeOnce:N0}, more than once {twice:N0}, "
                + $"paid {paid:N0} of {transfers:N0}");
        return report;
    }

    /// <summary>The path without the object id: /v1/transfers/tr_x → /v1/transfers/{id}.</summary>
    private static string Kind(string path)
    {
        var parts = path.Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries);
        return "/" + string.Join('/', parts.Select((p, i) => i >= 2 ? "{id}" : p));
    }

}
