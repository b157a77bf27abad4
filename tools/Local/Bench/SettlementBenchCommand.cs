using ContestPipeline.StripeEmulation;
using ContestPipeline.Deployment;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Plumbing;
using ContestPipeline.Settlement;
using ContestPipeline.Stripe;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ContestPipeline.Rules.Prizes;

namespace ContestPipeline.Local.Bench;

/// <summary>
/// cpdev bench settlement: one COMPLETE contest of N entries and a ranked table of P paid places
/// (fine shares, ties) settled by the Settlement worker as a separate process, in chunks. Prints
/// the time from the moment Settlement has every fact of the COMPLETE contest to every payout
/// order acknowledged on <c>payouts.due</c>, the prize calculator alone, and the Settlement
/// process's peak memory (VmHWM).
/// </summary>
public static class SettlementBenchCommand
{
    private const string ContestId = "bench-settle";

    public static async Task<BenchReport?> RunAsync(int entries, int paid, int seed, CancellationToken ct)
    {
        Console.WriteLine(
            $"bench settlement: {entries:N0} entries, {paid:N0} paid places (ranked table in ppb, ties), seed {seed}");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        var contest = SettlementSlate.Contest(ContestId, paid, entries);
        var standings = SettlementSlate.Standings(ContestId, entries, seed);

        var report = new BenchReport();
        var awards = CalculatorAlone(contest, standings, entries, report);

        if (await BenchSetup.PrepareAsync("settlement", "contestpipeline_bench_settlement", ct) is not { } prepared)
            return null;
        var (pg, runDir) = prepared;
        await using var broker = await LocalBrokerProcess.StartAsync(Path.Combine(runDir, "broker.json"),
            Path.Combine(runDir, "broker.log"));
        // Seeding a million entries is long work on a busy machine: no command timeout for the bench's own connection.
        await using var dataSource =
            NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(pg) { CommandTimeout = 0 }.ConnectionString);
        var worker = SettlementWorker.Definition;
        // Settlement's balance check reads Stripe once an hour: the server is there as its identity names one.
        await using var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions(), ct);
        var swaps = LocalSwaps.For(runDir, broker, pg, stripe);
        await LocalServices.MigrateAsync(swaps, ct);

        var setup = Stopwatch.StartNew();
        var held = await SeedAllButLastChunkAsync(dataSource, contest, standings, entries, setup, ct);

        await using var settlement = LocalServices.Start(Services.Settlement, swaps,
            Path.Combine(runDir, "settlement.log"));
        await WaitForRunningAsync(dataSource, worker.Name, settlement, ct);

        // Orders seen on the topic, as Payout would read them (a check beside the outbox's acknowledgements), each with
        // its record's time (stamped by the relay's producer as it sends: the outbox keeps no time of sending).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var seen = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        var watcher = Task.Run(() => Watch(broker.BootstrapServers, seen, stop.Token), CancellationToken.None);

        var clock = Stopwatch.StartNew();
        if (held)
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            await SettlementSlate.SeedLastChunkAsync(conn, contest, standings, ct);
        }
        var timeout = TimeSpan.FromMinutes(Math.Max(5, entries / 50_000));
        var (peakKb, allOrdered, ordered) = await WaitForOrdersAsync(dataSource, settlement, clock, timeout, ct);
        var drain = Stopwatch.StartNew();
        while (allOrdered is not null && Count(seen) < awards && drain.Elapsed < TimeSpan.FromSeconds(30))
            await Task.Delay(100, ct);
        await stop.CancelAsync();
        await watcher;

        await ReportWorkerAndRelayAsync(dataSource, seen, report, ct);
        report.Check(allOrdered is null || ordered == awards,
            $"SETTLED with {ordered:N0} orders in the outbox, {awards:N0} decided");
        report.Check(allOrdered is not null,
            $"every order on payouts.due within {timeout.TotalMinutes} min (worker exited: {settlement.HasExited})");
        if (allOrdered is null)
        {
            Console.WriteLine($"bench FAILED: not every order reached payouts.due within {timeout.TotalMinutes} min "
                + $"(worker exited: {settlement.HasExited}); logs in {runDir}");
            return report;
        }
        ReportAllOrdered(report, allOrdered.Value, awards, peakKb, seen, setup);
        return report;
    }

    /// <summary>
    /// Every fact but the last standings chunk (none held back when there is one chunk): the clock starts when that
    /// one is committed, the moment the COMPLETE contest is settleable. Whether the last chunk was held back.
    /// </summary>
    private static async Task<bool> SeedAllButLastChunkAsync(NpgsqlDataSource dataSource, ContestDefined contest,
        StandingRow[] standings, int entries, Stopwatch setup, CancellationToken ct)
    {
        var chunkRows = FinalStandingsPublished.RowsPerChunkMax;
        var held = standings.Length > chunkRows;
        await using (var conn = await dataSource.OpenConnectionAsync(ct))
            await SettlementSlate.SeedAsync(conn, contest, standings, ct, holdLastChunk: held);
        Console.WriteLine($"setup: {entries:N0} entries, their fees journalled and "
            + $"{(entries + chunkRows - 1) / chunkRows} standings chunks written in {setup.Elapsed.TotalSeconds:F1} s");
        return held;
    }

    private static void ReportAllOrdered(BenchReport report, TimeSpan allOrdered, int awards, long peakKb,
        Dictionary<string, DateTime> seen, Stopwatch setup)
    {
        var seconds = allOrdered.TotalSeconds;
        Console.WriteLine($"COMPLETE → every order on payouts.due: {seconds:F1} s for {awards:N0} orders   "
            + $"(target ≤ {TargetSeconds} s for a million entries on a quiet machine: "
            + $"{seconds / TargetSeconds:F1}× it)");
        Console.WriteLine($"settlement peak memory (VmHWM): {peakKb / 1024.0:N0} MiB   (target ≤ 1,024 MiB)");
        Console.WriteLine($"check: {Count(seen):N0} of {awards:N0} orders read back from payouts.due "
            + $"(the local broker keeps 5 MiB a partition: a reader that falls behind loses some)");
        report.Add("setup", $"{setup.Elapsed.TotalSeconds:F1} s");
        report.Add($"COMPLETE → orders (≤ {TargetSeconds} s)", $"{allOrdered.TotalSeconds:F1} s");
        report.Add("peak memory (≤ 1,024 MiB)", $"{peakKb / 1024.0:N0} MiB");
        report.Add("orders acknowledged", $"{awards:N0} of {awards:N0}");
    }

    /// <summary>
    /// The calculator alone: the same inputs the worker decides from, three times, the best and the worst; how many
    /// prizes it awards.
    /// </summary>
    private static int CalculatorAlone(ContestDefined contest, StandingRow[] standings, int entries,
        BenchReport report)
    {
        var rules = PrizeRules.From(contest);
        var fees = new Money(checked(SettlementSlate.EntryFeeMinor * entries), rules.Currency);
        var calc = new List<double>();
        PrizeDecision? decision = null;
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            decision = PrizeCalculator.Calculate(ContestId, rules, fees, standings);
            calc.Add(watch.Elapsed.TotalMilliseconds);
        }
        var awards = decision!.Settlement?.Awards.Count ?? 0;
        Console.WriteLine($"calculator alone: {calc.Min():N0} ms best, {calc.Max():N0} ms worst of 3 "
            + $"({awards:N0} prizes)   (target ≤ 1,000 ms)");
        report.Add("calculator best/worst (≤ 1,000 ms)", $"{calc.Min():N0} / {calc.Max():N0} ms");
        return awards;
    }

    /// <summary>
    /// Until the contest is SETTLED and none of its orders is left unsent (or the worker exits, or the time is up):
    /// the worker's peak memory, when the last order was acknowledged (null if not in time), and how many there are.
    /// </summary>
    private static async Task<(long PeakKb, TimeSpan? AllOrdered, long Ordered)> WaitForOrdersAsync(
        NpgsqlDataSource dataSource, ChildProcess settlement, Stopwatch clock, TimeSpan timeout, CancellationToken ct)
    {
        long peakKb = 0;
        TimeSpan? allOrdered = null;
        var ordered = 0L;
        while (clock.Elapsed < timeout && !settlement.HasExited)
        {
            peakKb = Math.Max(peakKb, BenchSetup.PeakRssKb(settlement.Id));
            // Polled ten times a second beside the run it measures, so by keys and the outbox's index of unsent rows:
            // counting the whole outbox each time took 60-100 ms of a Postgres backend, about half a core, from the
            // run.
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            if (await conn.ExecuteScalarAsync<string>(
                "SELECT state FROM settlement.contests WHERE contest_id = @ContestId", new { ContestId }) == "SETTLED"
                && !await conn.ExecuteScalarAsync<bool>(
                    "SELECT EXISTS (SELECT 1 FROM settlement.outbox_unsent WHERE message_type = @t)",
                    new { t = PrizePayoutOrdered.MessageType }))
            {
                allOrdered = clock.Elapsed;
                ordered = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM settlement.outbox "
                    + "WHERE message_type = @t", new { t = PrizePayoutOrdered.MessageType });
                break;
            }
            await Task.Delay(100, ct);
        }
        peakKb = Math.Max(peakKb, BenchSetup.PeakRssKb(settlement.Id));
        return (peakKb, allOrdered, ordered);
    }

    /// <summary>
    /// How long the worker took from the first chunk to SETTLED, and how fast the relay sent the orders.
    /// </summary>
    private static async Task ReportWorkerAndRelayAsync(NpgsqlDataSource dataSource,
        Dictionary<string, DateTime> seen, BenchReport report, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var inWorker = await conn.ExecuteScalarAsync<double?>("""
            SELECT extract(epoch FROM c.settled_at - r.started_at)::float8
            FROM settlement.settle_runs r JOIN settlement.contests c USING (contest_id)
            WHERE contest_id = @ContestId
            """, new { ContestId });
        if (inWorker is { } w)
            Console.WriteLine(
                $"in the worker: start of the first chunk to the last chunk's commit (SETTLED) {w:F1} s");
        if (inWorker is { } worked) report.Add("in the worker", $"{worked:F1} s");
        // The relay beside the chunks: how fast it sent the orders (their records' times on the topic), and how
        // long after the last chunk's transaction began (the outbox's created_at) it sent the last.
        var lastWritten = await conn.ExecuteScalarAsync<DateTime?>(
            "SELECT max(created_at) FROM settlement.outbox WHERE message_type = @t",
            new { t = PrizePayoutOrdered.MessageType });
        List<DateTime> sent;
        lock (seen) sent = [.. seen.Values];
        if (sent.Count > 1 && lastWritten is { } written)
        {
            var span = (sent.Max() - sent.Min()).TotalSeconds;
            var tail = (sent.Max() - written).TotalSeconds;
            if (span > 0)
                Console.WriteLine(
                    $"relay: {sent.Count:N0} orders sent in {span:F1} s ({sent.Count / span:N0}/s), the " +
                    $"last {tail:F1} s after the last chunk began");
        }
    }

    private static int Count(Dictionary<string, DateTime> seen)
    {
        lock (seen) return seen.Count;
    }

    private static void Watch(string bootstrap, Dictionary<string, DateTime> seen, CancellationToken stop)
    {
        var config = KafkaClients.ConsumerConfig(bootstrap, "bench.settlement." + Guid.NewGuid().ToString("N"));
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        using var consumer = KafkaClients.ConsumerBuilder(config, NullLogger.Instance).Build();
        consumer.Subscribe(Topics.PayoutsDue);
        while (!stop.IsCancellationRequested)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r?.Message?.Headers is null) continue;
            if (!r.Message.Headers.TryGetLastBytes(MessageHeaders.Type, out var type)
                || Encoding.UTF8.GetString(type) != PrizePayoutOrdered.MessageType) continue;
            if (r.Message.Headers.TryGetLastBytes(MessageHeaders.MessageId, out var id))
                lock (seen) seen.TryAdd(Encoding.UTF8.GetString(id), r.Message.Timestamp.UtcDateTime);
        }
        consumer.Close();
    }

    /// <summary>Waits until the worker runs its jobs: its role holds a connection.</summary>
    /// <summary>COMPLETE → every order of a million entries and 200,000 paid places, on a quiet machine.</summary>
    private const int TargetSeconds = 15;

    private static async Task WaitForRunningAsync(NpgsqlDataSource dataSource, string worker, ChildProcess process,
        CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (process.HasExited)
                throw new InvalidOperationException($"settlement exited at start; see {process.LogPath}");
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            if (await conn.ExecuteScalarAsync<long>(
                    "SELECT count(*) FROM pg_stat_activity WHERE usename = @role AND datname = current_database()",
                    new { role = DatabaseRoles.Runtime(worker) }) > 0) return;
            await Task.Delay(200, ct);
        }
        throw new InvalidOperationException($"settlement did not connect within 2 min; see {process.LogPath}");
    }
}
