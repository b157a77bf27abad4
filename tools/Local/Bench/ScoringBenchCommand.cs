using ContestPipeline.StripeEmulation;
using ContestPipeline.Deployment;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Plumbing;
using ContestPipeline.Stripe;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ContestPipeline.Local.Bench;

/// <summary>
/// cpdev bench scoring: live scoring through the real workers (separate processes): stat
/// events published on provider.feed → ingestion (validated, ordered) → games → scoring →
/// standings published. A contest of 100,000 fantasy entries over a slate of games (or
/// <c>--contests N</c> contests sharing the entries and the slate); prints stat events per
/// second and the p50/p99 latency from a stat being published to the first standings that
/// include it (StandingsUpdated.asOf) — of every contest, when there are several.
/// </summary>
public static class ScoringBenchCommand
{
    private const string Database = "contestpipeline_bench";

    private static readonly string[] Rules = ["passing_yards", "rushing_yards", "receiving_yards", "receptions",
        "passing_touchdowns", "interceptions"];

    public static async Task<BenchReport?> RunAsync(int entries, int games, int athletesPerGame, int statEvents,
        int rate, int seed, CancellationToken ct, int contests = 1, int instances = 1)
    {
        PrintHeader(entries, games, athletesPerGame, statEvents, rate, seed, contests, instances);
        var contestIds = contests == 1 ? ["bench"]
            : Enumerable.Range(1, contests).Select(c => $"bench-{c:000}").ToArray();
        var perContest = entries / contests;
        if (await BenchSetup.PrepareAsync("scoring", Database, ct) is not { } prepared) return null;
        var (pg, runDir) = prepared;
        await using var broker = await LocalBrokerProcess.StartAsync(Path.Combine(runDir, "broker.json"),
            Path.Combine(runDir, "broker.log"));
        // No entry is submitted through Stripe here (entries are published as accepted); the server is there as
        // ingestion's identity names one.
        await using var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions(), ct);
        var swaps = LocalSwaps.For(runDir, broker, pg, stripe);
        await LocalServices.MigrateAsync(swaps, ct);
        await using var ingestion = LocalServices.Start(Services.Ingestion, swaps,
            Path.Combine(runDir, "ingestion.log"));
        using var producer = KafkaClients.Producer(
            KafkaClients.ProducerConfig(broker.BootstrapServers, "bench.scoring"), NullLogger.Instance);
        var random = new Random(seed);
        var now = DateTimeOffset.UtcNow;

        var gameIds = Enumerable.Range(1, games).Select(g => $"g{g:00}").ToArray();
        var athletes = gameIds.ToDictionary(g => g,
            g => Enumerable.Range(1, athletesPerGame).Select(a => $"{g}-a{a:00}").ToArray());
        ScheduleGames(producer, gameIds, athletes, now);

        var setup = Stopwatch.StartNew();
        await LoadEntriesAsync(pg, producer, Definitions(contestIds, gameIds, perContest, now),
            [.. athletes.Values.SelectMany(a => a)], perContest, random, ct);
        Console.WriteLine($"setup: {perContest * contests:N0} entries written into Scoring's tables in "
            + $"{setup.Elapsed.TotalSeconds:F1} s");

        var scorings = await StartScoringsAsync(broker, swaps, runDir, instances);
        await using var stopScorings = new AsyncDisposables([.. scorings]);
        CloseEntriesAndStartGames(producer, contestIds, gameIds, perContest, now, ct);
        await WaitForStateAsync(pg, "LIVE", contests, TimeSpan.FromMinutes(10), ct);
        PrintLive(perContest, contests, instances, setup.Elapsed);
        var report = new BenchReport();
        report.Add("setup (entries in, LIVE)", $"{setup.Elapsed.TotalSeconds:F1} s");

        // Latency: a stat's publication time, then the first standings whose asOf covers its
        // sequence; with several contests, the time the last of them covers it.
        var watcher = new StandingsWatcher(contestIds, gameIds, contests);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watching = watcher.Start(broker.BootstrapServers, stop.Token);
        // Reading from the end of the topic: nothing is offered before the watcher holds its partitions (with several
        // instances the broker holds a new group's first assignment back, the watcher's own group too).
        await watcher.Watching.WaitAsync(TimeSpan.FromMinutes(1), ct);
        await Task.Delay(500, ct);

        var feed = new StatFeed(producer, gameIds, athletes, random, rate, watcher.Published, ct);
        await WarmUpAsync(feed, watcher, Math.Min(statEvents, rate * 2), ct);

        var cpu = CpuUse.Start(Database, ScoringProcesses(ingestion, broker, scorings));
        var measured = await OfferMeasuredAsync(feed, watcher, statEvents, ct);
        cpu.Print("the stats ran", report);
        await stop.CancelAsync();
        await watching;

        if (!ReportLatencies(watcher.Latencies.ToArray(), statEvents, rate, measured, runDir, report)) return report;
        await ScoringStages.PrintAsync(pg, feed.PublishedAt, report, ct);
        ScoringStages.PrintStandings(watcher.StandingsCount, watcher.StandingsBytes,
            (watcher.LastStandingsTicks - watcher.FirstStandingsTicks) / (double)Stopwatch.Frequency, report);
        ReportPeakMemory(scorings, report);
        return report;
    }

    /// <summary>
    /// Scoring starts on the entries as after a restart: each instance loads the boards of the contest.lifecycle
    /// partitions it is given, inside the rebalance. Started together, the instances share the group's first
    /// assignment if every one has joined before it is made: a real broker waits 3 s for a new group's members
    /// (the local one waits for none unless told). Two processes starting on two busy cores can be further apart,
    /// and a member joining while another loads millions of entries starts the rebalance over: 5 s, under the
    /// 6 s session timeout a member's join request is bounded by (at 10 s no member was ever given a partition).
    /// </summary>
    private static async Task<List<ChildProcess>> StartScoringsAsync(LocalBrokerProcess broker, LocalSwaps swaps,
        string runDir, int instances)
    {
        if (instances > 1) await broker.Control.SetInitialRebalanceDelayAsync(5_000);
        return Enumerable.Range(1, instances).Select(i => LocalServices.Start(Services.Scoring, swaps,
            Path.Combine(runDir, $"scoring-{i}.log"), label: instances == 1 ? null : $"scoring-{i}")).ToList();
    }

    private static void PrintHeader(int entries, int games, int athletesPerGame, int statEvents, int rate, int seed,
        int contests, int instances) =>
        Console.WriteLine(
            $"bench scoring: {entries:N0} entries × 8 picks{(contests > 1 ? $" across {contests} contests" : "")}, "
                + $"{games} games × {athletesPerGame} athletes, {statEvents:N0} stat events offered at {rate:N0}/s, "
                + $"{instances} Scoring instance(s), seed {seed}");

    private static void ScheduleGames(IProducer<byte[]?, byte[]?> producer, string[] gameIds,
        Dictionary<string, string[]> athletes, DateTimeOffset now)
    {
        foreach (var g in gameIds)
            Produce(producer, Topics.ProviderFeed, g, GameScheduled.MessageType, $"feed:{g}:1",
                new GameScheduled(g, 1, now.AddMinutes(1), athletes[g]));
    }

    private static void PrintLive(int perContest, int contests, int instances, TimeSpan setup) =>
        Console.WriteLine($"setup: {perContest * contests:N0} entries loaded by {instances} Scoring instance(s) and "
            + $"{(contests == 1 ? "contest" : $"{contests} contests")} LIVE in {setup.TotalSeconds:F1} s");

    /// <summary>
    /// The measured stats, then the wait (up to 5 min) for the standings to cover them: when the first was due, when
    /// the last was covered (timestamps), and the seconds producing them took.
    /// </summary>
    private static async Task<(long Start, long EndTicks, double ProducedSeconds)> OfferMeasuredAsync(StatFeed feed,
        StandingsWatcher watcher, int statEvents, CancellationToken ct)
    {
        var start = feed.Offer(statEvents, measured: true);
        var producedSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var deadline = Stopwatch.StartNew();
        while (watcher.Latencies.Count < statEvents && deadline.Elapsed < TimeSpan.FromMinutes(5))
            await Task.Delay(100, ct);
        return (start, watcher.LastCoveredTicks, producedSeconds);
    }

    private static ContestDefined[] Definitions(string[] contestIds, string[] gameIds, int perContest,
        DateTimeOffset now) =>
        [.. contestIds.Select(contestId => new ContestDefined(contestId, "Benchmark slate",
            ContestKinds.Fantasy, "USD", 1_000, 2, perContest, 1, now.AddMinutes(1), gameIds,
            [.. Rules.Select(r => new ScoringRule(r, r == "interceptions" ? -2_000 : 100))], 8,
            new PrizeTable(PrizeTableKinds.WinnerTakesAll), new PoolRule(PoolModes.Rake, 1_000), 300))];

    /// <summary>Every contest's entries closed, then every game started: the contests go LIVE.</summary>
    private static void CloseEntriesAndStartGames(IProducer<byte[]?, byte[]?> producer, string[] contestIds,
        string[] gameIds, int perContest, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var contestId in contestIds)
            Produce(producer, Topics.ContestLifecycle, contestId, EntriesClosed.MessageType,
                EntriesClosed.MessageIdFor(contestId),
                new EntriesClosed(contestId, perContest, "", now), flush: false);
        producer.Flush(ct);
        foreach (var g in gameIds)
            Produce(producer, Topics.ProviderFeed, g, GameStarted.MessageType, $"feed:{g}:2",
                new GameStarted(g, 2, now));
    }

    /// <summary>
    /// A warm-up, not measured: the first seconds of stats through freshly started processes (code not yet
    /// compiled, pools not yet grown) are not what a slate's pipeline, warm since the entries came in, does.
    /// </summary>
    private static async Task WarmUpAsync(StatFeed feed, StandingsWatcher watcher, int warmup, CancellationToken ct)
    {
        feed.Offer(warmup, measured: false);
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromMinutes(2) && !Covers(watcher.Covered, feed.Sequences))
            await Task.Delay(50, ct);
        Console.WriteLine(
            $"warm-up: {warmup:N0} stat events, in every contest's standings after {warm.Elapsed.TotalSeconds:F1} s");
    }

    private static List<(string Name, int Pid)> ScoringProcesses(ChildProcess ingestion, LocalBrokerProcess broker,
        List<ChildProcess> scorings)
    {
        var processes = new List<(string Name, int Pid)> { ("ingestion", ingestion.Id), ("broker", broker.Process.Id),
            ("bench (feed, watcher)", Environment.ProcessId) };
        processes.AddRange(scorings.Select((p, i) => (scorings.Count == 1 ? "scoring" : $"scoring-{i + 1}", p.Id)));
        return processes;
    }

    /// <summary>
    /// The throughput and latencies of the measured stats, printed and reported; false (the bench failed) when not
    /// every one reached published standings.
    /// </summary>
    private static bool ReportLatencies((long PublishedAt, long Us)[] samples, int statEvents, int rate,
        (long Start, long EndTicks, double ProducedSeconds) run, string runDir, BenchReport report)
    {
        var sorted = samples.Select(s => s.Us).Order().ToArray();
        report.Add("stats in standings", $"{sorted.Length:N0} of {statEvents:N0}");
        report.Check(sorted.Length == statEvents,
            $"only {sorted.Length:N0} of {statEvents:N0} stat events reached published standings");
        if (sorted.Length < statEvents)
        {
            Console.WriteLine($"bench FAILED: only {sorted.Length:N0} of {statEvents:N0} stat events reached "
                + $"published standings; logs in {runDir}");
            return false;
        }
        var (start, endTicks, producedSeconds) = run;
        var seconds = (endTicks - start) / (double)Stopwatch.Frequency;
        long P(double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        Console.WriteLine($"published {statEvents:N0} stat events in {producedSeconds:F2} s; "
            + $"last one in standings after {seconds:F2} s");
        Console.WriteLine($"throughput: {statEvents / seconds:N0} stat events/s ingested → scored → standings published"
            + $"   (target ≥ 5,000)");
        Console.WriteLine($"latency stat → standings: p50 {P(0.50) / 1000.0:F0} ms, p99 {P(0.99) / 1000.0:F0} ms, "
            + $"max {sorted[^1] / 1000.0:F0} ms   (target p99 < 1,000 ms)");
        // Where a tail comes from: a queue that grows shows rising seconds, a pause one bad second.
        var perSecond = samples.GroupBy(s => (s.PublishedAt - start) / Stopwatch.Frequency).OrderBy(g => g.Key)
            .Select(g =>
            {
                var b = g.Select(s => s.Us).Order().ToArray();
                return (b[Math.Min(b.Length - 1, (int)(0.99 * b.Length))] / 1000)
                    .ToString(CultureInfo.InvariantCulture);
            });
        Console.WriteLine($"p99 ms by second sent: {string.Join(" ", perSecond)}");
        report.Add("stat events/s (≥ 5,000)", $"{statEvents / seconds:N0} of {rate:N0} offered");
        report.Add("p50 latency", $"{P(0.50) / 1000.0:F0} ms");
        report.Add("p99 latency (< 1,000 ms)", $"{P(0.99) / 1000.0:F0} ms");
        report.Add("max latency", $"{sorted[^1] / 1000.0:F0} ms");
        return true;
    }

    /// <summary>Read while the instances still run: the peak of each over the whole run, loading its boards
    /// included.</summary>
    private static void ReportPeakMemory(List<ChildProcess> scorings, BenchReport report)
    {
        var peaks = scorings.Select(p => BenchSetup.PeakRssKb(p.Id) / 1024).ToArray();
        Console.WriteLine(
            $"Scoring peak memory (VmHWM) per instance: {string.Join(", ", peaks.Select(m => $"{m:N0} MiB"))}"
            + "   (Sunday slate target ≤ 2,048 MiB each)");
        report.Add("Scoring peak memory", string.Join(", ", peaks.Select(m => $"{m:N0} MiB")));
    }

    /// <summary>
    /// Reads the published standings from the end of the topic, and times each measured stat from its send to the
    /// first standings that cover its sequence (with several contests, the last of them to cover it); counts what
    /// the standings cost to publish: every publication read, its bytes, and when.
    /// </summary>
    private sealed class StandingsWatcher(string[] contestIds, string[] gameIds, int contests)
    {
        private readonly Dictionary<(string Game, long Seq), int> _pending = [];
        private long _lastCoveredTicks;

        public ConcurrentDictionary<(string Game, long Seq), long> Published { get; } = new();
        public ConcurrentBag<(long PublishedAt, long Us)> Latencies { get; } = [];

        /// <summary>Each contest's games, by the sequence its published standings cover (locked when
        /// written).</summary>
        public Dictionary<string, Dictionary<string, long>> Covered { get; } =
            contestIds.ToDictionary(c => c, _ => gameIds.ToDictionary(g => g, _ => 2L));

        /// <summary>Done once the watcher holds its partitions.</summary>
        public Task Watching => _watching.Task;
        private readonly TaskCompletionSource _watching = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long LastCoveredTicks => Interlocked.Read(ref _lastCoveredTicks);
        public long StandingsCount { get; private set; }
        public long StandingsBytes { get; private set; }
        public long FirstStandingsTicks { get; private set; }
        public long LastStandingsTicks { get; private set; }

        public Task Start(string bootstrapServers, CancellationToken stop) =>
            Task.Run(() => Watch(bootstrapServers, stop), CancellationToken.None);

        private void Watch(string bootstrapServers, CancellationToken stop)
        {
            var config = KafkaClients.ConsumerConfig(bootstrapServers,
                "bench.standings." + Guid.NewGuid().ToString("N"));
            config.AutoOffsetReset = AutoOffsetReset.Latest;
            using var consumer = KafkaClients.ConsumerBuilder(config, NullLogger.Instance).Build();
            consumer.Subscribe(Topics.Standings);
            while (!stop.IsCancellationRequested)
            {
                var r = consumer.Consume(TimeSpan.FromMilliseconds(50));
                if (consumer.Assignment.Count > 0) _watching.TrySetResult();
                if (r?.Message?.Value is null) continue;
                var arrived = Stopwatch.GetTimestamp();
                if (StandingsCount++ == 0) FirstStandingsTicks = arrived;
                (StandingsBytes, LastStandingsTicks) = (StandingsBytes + r.Message.Value.Length, arrived);
                // Only what coverage needs: with hundreds of contests the leaders are most of the bytes.
                var s = JsonSerializer.Deserialize<StandingsCoverage>(r.Message.Value, OutgoingMessage.Json);
                if (s?.AsOf is null || !Covered.TryGetValue(s.ContestId, out var ofContest)) continue;
                Cover(ofContest, s.AsOf, arrived);
                Interlocked.Exchange(ref _lastCoveredTicks, arrived);
            }
            consumer.Close();
        }

        /// <summary>One contest's standings, published at <paramref name="arrived"/>, covering
        /// <paramref name="asOf"/>.</summary>
        private void Cover(Dictionary<string, long> ofContest, IReadOnlyDictionary<string, long> asOf, long arrived)
        {
            foreach (var (g, seq) in asOf)
            {
                if (!ofContest.TryGetValue(g, out var from)) continue;
                for (var q = from + 1; q <= seq; q++)
                {
                    var left = _pending.GetValueOrDefault((g, q), contests) - 1;
                    if (left > 0)
                    {
                        _pending[(g, q)] = left;
                        continue;
                    }
                    _pending.Remove((g, q));
                    if (Published.TryRemove((g, q), out var at))
                        Latencies.Add((at, (arrived - at) * 1_000_000 / Stopwatch.Frequency));
                }
                if (seq > from) lock (Covered) ofContest[g] = seq;
            }
        }
    }

    /// <summary>The provider's feed: stat events for the slate's athletes, offered at a steady rate.</summary>
    private sealed class StatFeed(IProducer<byte[]?, byte[]?> producer, string[] gameIds,
        Dictionary<string, string[]> athletes, Random random, int rate,
        ConcurrentDictionary<(string Game, long Seq), long> published, CancellationToken ct)
    {
        private readonly Dictionary<(string, string), long> _totals = [];

        /// <summary>Each game's sequence last offered.</summary>
        public Dictionary<string, long> Sequences { get; } = gameIds.ToDictionary(g => g, _ => 2L);

        /// <summary>When each measured stat was sent.</summary>
        public Dictionary<(string Game, long Seq), DateTimeOffset> PublishedAt { get; } = [];

        /// <summary><paramref name="count"/> stat events, measured or not; the timestamp the first was due
        /// at.</summary>
        public long Offer(int count, bool measured)
        {
            var from = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                // Offered at a steady rate, as a provider's feed arrives: latency is only meaningful
                // below saturation. Paced by sleeping, not spinning: a spinning producer would take
                // a core from the pipeline it measures. Each stat's latency runs from its own send.
                var due = from + (long)(i * (double)Stopwatch.Frequency / rate);
                while (Stopwatch.GetTimestamp() < due)
                {
                    producer.Poll(TimeSpan.Zero);
                    Thread.Sleep(1);
                }
                var g = gameIds[i % gameIds.Length];
                var athletesOfGame = athletes[g];
                var athlete = athletesOfGame[random.Next(athletesOfGame.Length)];
                var stat = Rules[random.Next(Rules.Length)];
                var total = _totals.GetValueOrDefault((athlete, stat)) + 1 + random.Next(20);
                _totals[(athlete, stat)] = total;
                var seq = ++Sequences[g];
                if (measured)
                {
                    published[(g, seq)] = Stopwatch.GetTimestamp();
                    PublishedAt[(g, seq)] = DateTimeOffset.UtcNow;
                }
                Produce(producer, Topics.ProviderFeed, g, StatUpdated.MessageType, $"feed:{g}:{seq}",
                    new StatUpdated(g, seq, athlete, stat, total), flush: false);
            }
            producer.Flush(ct);
            return from;
        }
    }

    private static void Produce<T>(IProducer<byte[]?, byte[]?> producer, string topic, string key, string type,
        string id, T body, bool flush = true)
    {
        var kafka = Message(topic, key, type, id, body);
        while (true)
        {
            try
            {
                producer.Produce(topic, kafka);
                break;
            }
            catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(10));
            }
        }
        if (flush) producer.Flush(TimeSpan.FromSeconds(30));
    }

    private static Message<byte[]?, byte[]?> Message<T>(string topic, string key, string type, string id, T body)
    {
        var message = OutgoingMessage.Create(topic, key,
            new Envelope(id, type, 1, id, null, DateTimeOffset.UtcNow), body);
        // What goes straight onto contest.lifecycle stands in for Ingestion, and is signed as it would be.
        if (PublishRights.Pipeline.ProducersOf(topic, type).FirstOrDefault() is { } signer)
            message = message with { Headers = LocalSigningKeys.Keys.SignerFor(signer)
                .Sign(topic, message.Key, message.Headers, message.Payload) };
        return KafkaClients.Message(message);
    }

    /// <summary>
    /// The contests go onto <c>contest.lifecycle</c> as Ingestion announces them; they and their entries are written
    /// into Scoring's tables as its handlers would have written them from that topic (the entries by binary COPY),
    /// before any Scoring instance starts. Publishing millions of entries through the topic would take most of an
    /// hour of set-up on two cores for a run whose point is the stats.
    /// </summary>
    private static async Task LoadEntriesAsync(string pg, IProducer<byte[]?, byte[]?> producer,
        ContestDefined[] definitions,
        string[] athletes, int perContest, Random random, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(pg);
        await conn.OpenAsync(ct);
        foreach (var definition in definitions)
        {
            var contestId = definition.ContestId;
            var delivered = await producer.ProduceAsync(Topics.ContestLifecycle,
                Message(Topics.ContestLifecycle, contestId, ContestScheduled.MessageType,
                    ContestScheduled.MessageIdFor(contestId), new ContestScheduled(OutsideWorld.Sealed(definition))),
                ct);
            await conn.ExecuteAsync("""
                INSERT INTO scoring.contests (contest_id, definition, state, state_changed_at, lifecycle_partition)
                VALUES (@contestId, @definition::jsonb, 'SCHEDULED', now(), @partition);
                INSERT INTO scoring.contest_games (contest_id, game_id) SELECT @contestId, unnest(@games);
                """, new { contestId, definition = JsonSerializer.Serialize(definition, OutgoingMessage.Json),
                    partition = delivered.Partition.Value, games = definition.GameIds.ToArray() });
        }
        await using var writer = await conn.BeginBinaryImportAsync(
            "COPY scoring.entries (entry_id, contest_id, player_id, lineup) FROM STDIN (FORMAT BINARY)", ct);
        var lineup = new string[8];
        for (var i = 0; i < perContest * definitions.Length; i++)
        {
            var contestId = definitions[i % definitions.Length].ContestId;
            var picked = 0;
            while (picked < lineup.Length)
            {
                var pick = athletes[random.Next(athletes.Length)];
                if (Array.IndexOf(lineup, pick, 0, picked) < 0) lineup[picked++] = pick;
            }
            await writer.StartRowAsync(ct);
            await writer.WriteAsync(definitions.Length == 1 ? $"entry_bench_{i:000000}"
                : $"entry_{contestId}_{i:0000000}", NpgsqlTypes.NpgsqlDbType.Text, ct);
            await writer.WriteAsync(contestId, NpgsqlTypes.NpgsqlDbType.Text, ct);
            await writer.WriteAsync($"player{i:0000000}", NpgsqlTypes.NpgsqlDbType.Text, ct);
            await writer.WriteAsync(lineup, NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text, ct);
        }
        await writer.CompleteAsync(ct);
    }

    private static async Task WaitForStateAsync(string pg, string state, int contests, TimeSpan timeout,
        CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(pg);
        await conn.OpenAsync(ct);
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            var exists = await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('scoring.contests') IS NOT NULL");
            if (exists && await conn.ExecuteScalarAsync<long>(
                    "SELECT count(*) FROM scoring.contests WHERE state = @state", new { state }) == contests)
                return;
            await Task.Delay(250, ct);
        }
        throw new TimeoutException($"not every contest reached {state} within {timeout.TotalMinutes} min");
    }

    /// <summary>Whether every contest's published standings cover every game up to the sequence last offered.</summary>
    private static bool Covers(Dictionary<string, Dictionary<string, long>> covered, Dictionary<string, long> sequences)
    {
        lock (covered) return covered.Values.All(ofContest => sequences.All(s => ofContest[s.Key] >= s.Value));
    }

    /// <summary>The part of <see cref="StandingsUpdated"/> the latency watcher reads.</summary>
    private sealed record StandingsCoverage(string ContestId, IReadOnlyDictionary<string, long>? AsOf);
}
