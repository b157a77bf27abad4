using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Local.Bench.Peer;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Plumbing;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ContestPipeline.Local.Bench;

/// <summary>
/// cpdev bench messaging: messages per second through outbox → relay → Kafka → inbox with
/// a small effect per message, beside two baselines measured in the same run against the
/// same broker and database: (a) raw Confluent.Kafka produce + consume of the same
/// messages, (b) raw single-row insert + commit into Postgres. The pipeline's messages are
/// authenticated as a worker's are: the relay signs each (HMAC-SHA256 over topic, key,
/// envelope headers and body) and the consumer verifies each against a publish-rights table
/// before applying it; <c>--unsigned</c> measures the same run without.
/// </summary>
public static class BenchCommand
{
    internal const int PayloadBytes = 100;

    /// <summary>
    /// The local broker keeps at most 5 MiB or 100,000 messages per partition and drops
    /// older segments; 16 partitions keep 200,000 enveloped messages under that limit.
    /// </summary>
    internal const int Partitions = 16;

    internal static readonly TimeSpan PhaseTimeout = TimeSpan.FromMinutes(5);

    private const int RawKafkaRuns = 3;

    public static async Task<BenchReport?> RunAsync(int messages, int baselineRows, int outboxTransactionSize,
        bool signed, int warmUp, string? peerName, int pairs, CancellationToken ct)
    {
        if (warmUp < 0 || pairs < 1)
        {
            await Console.Error.WriteLineAsync(warmUp < 0
                ? $"bench: --warm-up {warmUp} is negative (0 runs no warm-up)"
                : $"bench: --pairs {pairs} must be at least 1");
            return null;
        }
        var peer = peerName is null ? null : await LoadPeerAsync(peerName);
        if (peerName is not null && peer is null) return null;
        var pg = await ToolStartup.PostgresAsync("bench");
        if (pg is null) return null;
        var runDir = Path.Combine(RepoPaths.RunDirectory,
            "bench-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(runDir);
        await using var broker = await LocalBrokerProcess.StartAsync(Path.Combine(runDir, "broker.json"),
            Path.Combine(runDir, "broker.log"));
        await using var dataSource = NpgsqlDataSource.Create(pg);
        var schema = "bench_" + DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
        var run = new MessagingRun(broker, dataSource, schema, messages, outboxTransactionSize, signed, warmUp);
        await run.MigrateAsync(schema, ct);
        PrintHeader(run, baselineRows, peer, pairs);
        try
        {
            var (kafka, postgres) = await BaselinesAsync(run, baselineRows, ct);
            var report = new BenchReport();
            var rates = new List<(double Ours, double? Peer)>();
            var ok = true;
            for (var pair = 1; pair <= pairs; pair++)
            {
                if (pairs > 1 || peer is not null)
                    Console.WriteLine($"{Environment.NewLine}-- pair {pair} of {pairs}: the pipeline"
                        + (peer is null ? "" : ", then " + peer.Name));
                var ours = await OursAsync(run, pair, report, ct);
                ok &= ours.Ok;
                double? theirs = null;
                if (peer is not null)
                {
                    var peerRun = await PeerPass.RunAsync(peer, run, pair, report, ct);
                    ok &= peerRun is { Ok: true };
                    theirs = peerRun?.Rate;
                    if (theirs is { } rate)
                        PeerPass.PrintPair(pair, pairs, run.Signed, ours.Rate, peer.Name, rate, report);
                }
                rates.Add((ours.Rate, theirs));
            }
            if (peer is not null) PeerPass.PrintPairs(rates, peer.Name, report);
            PrintRatios(run, kafka, baselineRows, postgres, rates.Select(r => r.Ours).ToList(), report);
            if (!ok) Console.WriteLine("bench FAILED: not every message was applied exactly once");
            return report;
        }
        finally
        {
            await run.DropSchemasAsync();
        }
    }

    /// <summary>The peer named, from its build output; null (said why) when it is not built.</summary>
    private static async Task<IMessagingPeer?> LoadPeerAsync(string name)
    {
        try
        {
            return MessagingPeers.Load(name);
        }
        catch (Exception e) when (e is FileNotFoundException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"bench: {e.Message}");
            return null;
        }
    }

    private static void PrintHeader(MessagingRun run, int baselineRows, IMessagingPeer? peer, int pairs)
    {
        Console.WriteLine($"bench: {run.Messages:N0} messages of {PayloadBytes} bytes, {Partitions} partitions, "
            + $"local broker {run.Broker.BootstrapServers}, schema {run.Schema}");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine(run.Signed
            ? "authentication: on (HMAC-SHA256: every message signed by the relay, verified by the consumer before "
                + "it is applied)"
            : "authentication: OFF (--unsigned)");
        Console.WriteLine(run.WarmUp > 0
            ? $"warm-up: each of the three first runs {run.WarmUp:N0} messages "
                + $"({Math.Min(baselineRows, run.WarmUp / 10):N0} rows for raw Postgres) unmeasured, in this process, "
                + "so that all three are measured with their code compiled"
            : "warm-up: none (--warm-up 0): each run is measured from its first message, the JIT's work included");
        if (peer is null) return;
        Console.WriteLine($"peer: {peer.Name}, the same flow in this process ({pairs} pair{(pairs == 1 ? "" : "s")}, "
            + "the pipeline first in each), with the same warm-up; it signs nothing, the pipeline "
            + (run.Signed ? "signs and verifies every message" : "runs unsigned too") + ". Its settings:");
        foreach (var setting in peer.Settings) Console.WriteLine("  - " + setting);
    }

    /// <summary>
    /// (a) raw Kafka, the fastest of <see cref="RawKafkaRuns"/>, and (b) raw Postgres, each after its warm-up.
    /// </summary>
    private static async Task<(TimeSpan Kafka, TimeSpan Postgres)> BaselinesAsync(MessagingRun run, int baselineRows,
        CancellationToken ct)
    {
        if (run.WarmUp > 0) await RawKafkaAsync(run.Broker, run.WarmUp, "bench.raw.warm", ct);
        // A second or less each, and the broker's share of two cores varies from one to the next (110,000 to
        // 310,000 msgs/s in five runs in a row): the fastest of three stands for what raw Kafka does here, the
        // hardest baseline.
        var kafkaRuns = new List<TimeSpan>(RawKafkaRuns);
        for (var i = 1; i <= RawKafkaRuns; i++)
        {
            kafkaRuns.Add(await RawKafkaAsync(run.Broker, run.Messages, $"bench.raw.{i}", ct));
            Print($"    raw Kafka, run {i} of {RawKafkaRuns}", run.Messages, kafkaRuns[^1]);
        }
        var kafka = kafkaRuns.Min();
        Print("(a) raw Kafka produce + consume", run.Messages, kafka);
        Console.WriteLine($"    (the fastest of {RawKafkaRuns} runs)");
        if (run.WarmUp > 0)
            await RawPostgresAsync(run.DataSource, run.Schema, Math.Min(baselineRows, run.WarmUp / 10), ct);
        var postgres = await RawPostgresAsync(run.DataSource, run.Schema, baselineRows, ct);
        Print("(b) raw Postgres insert + commit", baselineRows, postgres);
        return (kafka, postgres);
    }

    /// <summary>
    /// The pipeline's run of a pair: the first in the run's schema on bench.pipeline, as a run without pairs has
    /// always been; each later one in a schema, topic and consumer group of its own, so that nothing of an earlier
    /// run (its message ids, its group's members) is in its way.
    /// </summary>
    private static async Task<(double Rate, bool Ok)> OursAsync(MessagingRun run, int pair, BenchReport report,
        CancellationToken ct)
    {
        var schema = pair == 1 ? run.Schema : $"{run.Schema}_{pair}";
        if (pair > 1) await run.MigrateAsync(schema, ct);
        var suffix = pair == 1 ? "" : "." + pair.ToString(CultureInfo.InvariantCulture);
        var (dataSource, messages) = (run.DataSource, run.Messages);
        long walBefore = 0;
        CpuUse? cpu = null;
        var pipeline = await PipelineAsync(run.Broker, dataSource, schema, "bench.pipeline" + suffix,
            "bench.consumer" + suffix, messages, run.TransactionSize, run.Signed, run.WarmUp, async () =>
            {
                walBefore = await WalPositionAsync(dataSource, ct);
                // Where the cores go while the pipeline runs: this process writes the outbox, relays and consumes.
                cpu = CpuUse.Start(new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).Database!,
                    [("bench (writer, relay, consumer)", Environment.ProcessId), ("broker", run.Broker.Process.Id)]);
            }, ct);
        cpu!.Print(pair == 1 ? "the pipeline ran (its settling included)"
            : $"the pipeline ran, pair {pair} (its settling included)", report);
        var walBytes = await WalPositionAsync(dataSource, ct) - walBefore;
        Print(run.Signed ? "pipeline outbox → Kafka → inbox" : "pipeline, unsigned", messages, pipeline.Elapsed);
        Console.WriteLine($"checks: applied {pipeline.Applied:N0} of {messages:N0}, "
            + $"inbox rows {pipeline.InboxRows:N0}, duplicates skipped {pipeline.Duplicates:N0}, "
            + $"unsent outbox rows {pipeline.Unsent:N0}, refused {pipeline.DeadLettered:N0}");
        await PrintStorageAsync(dataSource, schema, ct);
        Console.WriteLine($"WAL: {walBytes:N0} bytes during the pipeline's run = {walBytes / messages:N0} bytes per "
            + "message (the whole database cluster's: other writers count too)");
        var ok = pipeline.Applied == messages && pipeline.InboxRows == messages && pipeline.Unsent == 0
            && pipeline.DeadLettered == 0;
        report.Add(pair == 1 ? "applied once, lost" : $"pair {pair}: applied once, lost",
            $"{pipeline.Applied:N0}, {messages - pipeline.Applied:N0}");
        report.Check(ok, $"applied {pipeline.Applied:N0} of {messages:N0} exactly once (inbox {pipeline.InboxRows:N0}, "
            + $"unsent {pipeline.Unsent:N0}, refused {pipeline.DeadLettered:N0})");
        return (messages / pipeline.Elapsed.TotalSeconds, ok);
    }

    /// <summary>
    /// The pipeline against the baselines (its median over the pairs when there are several) and what authenticating
    /// a message costs at that rate.
    /// </summary>
    private static void PrintRatios(MessagingRun run, TimeSpan kafka, int baselineRows, TimeSpan postgres,
        List<double> ours, BenchReport report)
    {
        var rate = PeerPass.Median(ours);
        var vsKafka = rate / (run.Messages / kafka.TotalSeconds);
        var vsPostgres = rate / (baselineRows / postgres.TotalSeconds);
        var of = ours.Count == 1 ? "" : $" (the pipeline's median of {ours.Count} runs, {rate:N0} msgs/s)";
        Console.WriteLine();
        Console.WriteLine($"ratio vs (a) raw Kafka:    {vsKafka:P1}   "
            + $"(target ≥ 10%; a Sunday slate's ≥ 25%: {vsKafka / 0.25:P0} of it){of}");
        Console.WriteLine($"ratio vs (b) raw Postgres: {vsPostgres:F1}x   "
            + $"(target ≥ 5x; a Sunday slate's ≥ 8x: {vsPostgres / 8:P0} of it)");
        (double SignUs, double VerifyUs)? authentication =
            run.Signed ? AuthenticationCost(AuthenticationSamples) : null;
        if (authentication is { } measured)
        {
            var (signUs, verifyUs) = measured;
            var coreShare = (signUs + verifyUs) * rate / 1_000_000;
            Console.WriteLine($"authentication per message, timed here over {AuthenticationSamples:N0} messages of "
                + $"this run's shape: sign {signUs:F1} µs (three readers' signatures), verify {verifyUs:F1} µs; "
                + $"at {rate:N0} msgs/s that is {coreShare:P1} of one core");
        }
        report.Add("(a) raw Kafka msgs/s", $"{run.Messages / kafka.TotalSeconds:N0}");
        report.Add("(b) raw Postgres msgs/s", $"{baselineRows / postgres.TotalSeconds:N0}");
        report.Add(ours.Count == 1 ? "pipeline msgs/s" : $"pipeline msgs/s (median of {ours.Count})", $"{rate:N0}");
        report.Add("vs raw Kafka (≥ 10 %)", $"{vsKafka:P1}");
        report.Add("vs raw Postgres (≥ 5×)", $"{vsPostgres:F1}×");
        if (authentication is { } cost) report.Add("sign, verify µs/msg", $"{cost.SignUs:F1}, {cost.VerifyUs:F1}");
    }

    /// <summary>
    /// The baseline is given every advantage the pipeline has: the same keys, payloads and
    /// envelope headers, a consumer that has joined its group before the clock starts, and
    /// producing and consuming at the same time.
    /// </summary>
    private static async Task<TimeSpan> RawKafkaAsync(LocalBrokerProcess broker, int messages, string topic,
        CancellationToken ct)
    {
        await broker.Control.CreateTopicAsync(topic, Partitions);
        var payload = new byte[PayloadBytes];
        var config = KafkaClients.ConsumerConfig(broker.BootstrapServers, topic + ".consumer");
        using var consumer = KafkaClients.ConsumerBuilder(config, NullLogger.Instance).Build();
        consumer.Subscribe(topic);
        var joining = Stopwatch.StartNew();
        while (consumer.Assignment.Count < Partitions && joining.Elapsed < PhaseTimeout)
            consumer.Consume(TimeSpan.FromMilliseconds(100));
        if (consumer.Assignment.Count < Partitions)
            throw new InvalidOperationException($"raw Kafka baseline's consumer was assigned "
                + $"{consumer.Assignment.Count} of {Partitions} partitions within {PhaseTimeout.TotalMinutes} min");

        var watch = Stopwatch.StartNew();
        var produce = Task.Run(() =>
        {
            using var producer = KafkaClients.Producer(
                KafkaClients.ProducerConfig(broker.BootstrapServers, "bench.raw"), NullLogger.Instance);
            for (var i = 0; i < messages; i++)
            {
                var message = new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes(KeyOf(i)), Value = payload,
                    Headers = KafkaClients.Headers(HeadersOf(i)) };
                while (true)
                {
                    try
                    {
                        producer.Produce(topic, message);
                        break;
                    }
                    catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(10));
                    }
                }
            }
            producer.Flush(ct);
        }, ct);
        var received = 0;
        while (received < messages && !ct.IsCancellationRequested && watch.Elapsed < PhaseTimeout)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r is null || r.IsPartitionEOF) continue;
            consumer.StoreOffset(r);
            received++;
        }
        var elapsed = watch.Elapsed;
        await produce;
        consumer.Close();
        if (received < messages)
            throw new InvalidOperationException($"raw Kafka baseline received {received:N0} of {messages:N0} messages "
                + $"within {PhaseTimeout.TotalMinutes} min");
        return elapsed;
    }

    private static string IdOf(int i, string prefix = "bench:") => prefix + i.ToString(CultureInfo.InvariantCulture);

    internal static string KeyOf(int i) => "k" + (i % 64).ToString(CultureInfo.InvariantCulture);

    private static IReadOnlyList<ContestPipeline.Plumbing.Messaging.Header> HeadersOf(int i,
        string prefix = "bench:") =>
        OutgoingMessage.EnvelopeHeaders(new Envelope(IdOf(i, prefix), BenchEffect.Type, 1, IdOf(i, prefix), null,
            DateTimeOffset.UnixEpoch));

    private static async Task<long> UnsentAsync(NpgsqlDataSource dataSource, string schema, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM {schema}.outbox_unsent");
    }

    /// <summary>
    /// What the inbox and outbox take on disk (tables, indexes and TOAST of every partition),
    /// per 100,000 rows of the messages just run: what retention by partition bounds.
    /// </summary>
    private static async Task PrintStorageAsync(NpgsqlDataSource dataSource, string schema, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        foreach (var table in new[] { "inbox", "outbox" })
        {
            var (bytes, rows) = await conn.QueryFirstAsync<(long, long)>($"""
                SELECT (SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)::bigint FROM pg_inherits
                        WHERE inhparent = '{schema}.{table}'::regclass),
                       (SELECT count(*) FROM {schema}.{table})
                """);
            if (rows == 0) continue;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"storage: {table,-6} {rows:N0} rows in {bytes / 1048576.0:F1} MiB = "
                    + $"{bytes * 100_000.0 / rows / 1048576.0:F1} MiB per 100,000 rows"));
            // The row itself (its tuple, without indexes), for a body of PayloadBytes.
            var rowBytes = await conn.ExecuteScalarAsync<double>(
                $"SELECT avg(pg_column_size(t.*))::float8 FROM {schema}.{table} t");
            var target = table == "outbox" ? "   (target ≤ 300)" : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"         {table,-6} row {rowBytes:F0} bytes on average for a {PayloadBytes}-byte body{target}"));
        }
    }

    /// <summary>Where the database cluster's write-ahead log is, in bytes from its start.</summary>
    internal static async Task<long> WalPositionAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<long>("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint");
    }

    private static async Task<TimeSpan> RawPostgresAsync(NpgsqlDataSource dataSource, string schema, int rows,
        CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var payload = new byte[PayloadBytes];
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < rows; i++)
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            await conn.ExecuteAsync($"INSERT INTO {schema}.raw_rows (k, payload) VALUES (@k, @payload)",
                new { k = "k" + i, payload }, tx);
            await tx.CommitAsync(ct);
        }
        return watch.Elapsed;
    }

    private const int AuthenticationSamples = 20_000;

    /// <summary>
    /// What authenticating one message costs, in µs: the relay's signing (one signature for each of the
    /// topic's three readers) and the consumer's check of its own, on the pipeline's own signer and verifier
    /// with the bench's keys and one message of its shape, timed in a loop after a warm-up.
    /// </summary>
    private static (double SignUs, double VerifyUs) AuthenticationCost(int samples)
    {
        const string topic = "bench.pipeline", producerName = "bench";
        var rights = PublishRights.Pipeline.With(new PublishRight(topic, BenchEffect.Type, [producerName]));
        var keys = SigningKeys.Of(SigningKeys.Generate(producerName, "bench"),
            SigningKeys.Generate(producerName, "bench-2"),
            SigningKeys.Generate(producerName, "bench-3"));
        var signer = keys.SignerFor(producerName, rights);
        var verifier = keys.Verifier("bench", rights);
        var key = Encoding.UTF8.GetBytes(KeyOf(1));
        var headers = HeadersOf(1);
        var body = new byte[PayloadBytes];
        var signed = signer.Sign(topic, key, headers, body);
        for (var i = 0; i < 1_000; i++)
        {
            signer.Sign(topic, key, headers, body);
            if (verifier.Refusal(topic, key, signed, body) is { } refusal) throw new InvalidOperationException(refusal);
        }
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < samples; i++) signer.Sign(topic, key, headers, body);
        var signUs = watch.Elapsed.TotalMicroseconds / samples;
        watch.Restart();
        for (var i = 0; i < samples; i++)
            if (verifier.Refusal(topic, key, signed, body) is { } refusal) throw new InvalidOperationException(refusal);
        return (signUs, watch.Elapsed.TotalMicroseconds / samples);
    }

    private static async Task<(TimeSpan Elapsed, long Applied, long InboxRows, long Duplicates, long Unsent,
        long DeadLettered)> PipelineAsync(
        LocalBrokerProcess broker, NpgsqlDataSource dataSource, string schema, string topic, string consumerName,
        int messages, int transactionSize, bool signed, int warmUp, Func<Task> clockStarts, CancellationToken ct)
    {
        await broker.Control.CreateTopicAsync(topic, Partitions);
        await broker.Control.CreateTopicAsync(topic + ".dlq", Partitions);
        // The bench's topic is internal for this run: one producer may publish its one type there.
        const string producerName = "bench";
        var rights = PublishRights.Pipeline.With(new PublishRight(topic, BenchEffect.Type, [producerName]));
        // Signed as the pipeline signs its busiest internal topics: one signature for each of three consumers
        // (contest.lifecycle and stripe.events have three), this consumer checking its own.
        var keys = SigningKeys.Of(SigningKeys.Generate(producerName, "bench"),
            SigningKeys.Generate(producerName, "bench-2"),
            SigningKeys.Generate(producerName, "bench-3"));
        using var producer = KafkaClients.Producer(KafkaClients.ProducerConfig(broker.BootstrapServers, "bench.relay"),
            NullLogger.Instance);
        var relay = new OutboxRelay(dataSource, producer,
            new OutboxRelayOptions { Schema = schema, Signer = signed ? keys.SignerFor(producerName, rights) : null },
            new CrashPoints(null), NullLogger<OutboxRelay>.Instance);
        var consumer = BenchConsumer(broker, dataSource, schema, topic, consumerName,
            signed ? keys.Verifier("bench", rights) : null);
        var outbox = new OutboxStore(schema);
        var payload = new byte[PayloadBytes];
        Task WriteAsync(int from, int count, string idPrefix) =>
            WriteOutboxAsync(dataSource, outbox, topic, payload, transactionSize, from, count, idPrefix, ct);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var consumerTask = Task.Run(() => consumer.RunAsync(stop.Token), CancellationToken.None);
        // Let the consumer join its group before the clock starts, as the raw baseline's
        // consumer joins inside its measurement; the join is not what is being compared.
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        var relayTask = Task.Run(() => relay.RunAsync(stop.Token), CancellationToken.None);
        if (warmUp > 0)
        {
            // The same path with other message ids, until all of it is applied, relayed and marked sent: unmeasured.
            await WriteAsync(messages, warmUp, "warm:");
            var warming = Stopwatch.StartNew();
            while ((consumer.Stats.Applied < warmUp || await UnsentAsync(dataSource, schema, ct) > 0)
                && consumer.Stats.OffsetResets == 0
                && warming.Elapsed < PhaseTimeout)
                await Task.Delay(20, ct);
        }
        var warmApplied = consumer.Stats.Applied;
        await clockStarts();

        var watch = Stopwatch.StartNew();
        await WriteAsync(0, messages, "bench:");
        var written = watch.Elapsed;
        var appliedWhenWritten = consumer.Stats.Applied - warmApplied;
        while (consumer.Stats.Applied - warmApplied < messages && consumer.Stats.OffsetResets == 0
            && !ct.IsCancellationRequested
            && watch.Elapsed < PhaseTimeout)
            await Task.Delay(5, ct);
        if (consumer.Stats.OffsetResets > 0)
            Console.WriteLine(
                $"the broker deleted messages before the consumer read them ({consumer.Stats.OffsetResets} "
                + "partitions): the local broker keeps at most 5 MiB of a partition, so fewer --messages must do");
        var elapsed = watch.Elapsed;
        PrintStages(messages, written, appliedWhenWritten, elapsed);
        // The relay marks a batch sent after Kafka acknowledged it, which can be after the
        // consumer applied it: give it the time to finish (not counted) before stopping it.
        var settle = Stopwatch.StartNew();
        while (settle.Elapsed < TimeSpan.FromSeconds(30) && await UnsentAsync(dataSource, schema, ct) > 0)
            await Task.Delay(20, ct);
        await stop.CancelAsync();
        await Task.WhenAll(consumerTask, relayTask);
        return await PipelineOutcomeAsync(dataSource, schema, consumerName, warmUp, elapsed, consumer.Stats);
    }

    /// <summary>The consumer the pipeline's run measures: the bench's one effect, from its one topic.</summary>
    private static InboxConsumer BenchConsumer(LocalBrokerProcess broker, NpgsqlDataSource dataSource, string schema,
        string topic, string consumerName, MessageVerifier? verifier) =>
        new(dataSource, broker.BootstrapServers, [new BenchEffect(schema)],
            new InboxConsumerOptions
            {
                Consumer = consumerName, Schema = schema, Topics = [topic],
                Verifier = verifier,
            },
            new CrashPoints(null), TimeProvider.System, NullLogger.Instance);

    private static void PrintStages(int messages, TimeSpan written, long appliedWhenWritten, TimeSpan elapsed) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"stages: the outbox written in {written.TotalSeconds:F2} s ({messages / written.TotalSeconds:N0} rows/s, "
            + $"{appliedWhenWritten:N0} applied by then); "
            + $"the last applied {(elapsed - written).TotalSeconds:F2} s after"));

    /// <summary>
    /// Writes messages <paramref name="from"/> to <paramref name="from"/> + <paramref name="count"/> into the outbox,
    /// <paramref name="transactionSize"/> to a transaction, with ids prefixed by <paramref name="idPrefix"/>.
    /// </summary>
    private static async Task WriteOutboxAsync(NpgsqlDataSource dataSource, OutboxStore outbox, string topic,
        byte[] payload, int transactionSize, int from, int count, string idPrefix, CancellationToken ct)
    {
        for (var start = from; start < from + count; start += transactionSize)
        {
            var batch = new List<OutgoingMessage>(transactionSize);
            for (var i = start; i < Math.Min(from + count, start + transactionSize); i++)
                batch.Add(new OutgoingMessage(IdOf(i, idPrefix), topic, Encoding.UTF8.GetBytes(KeyOf(i)),
                    BenchEffect.Type, payload,
                    HeadersOf(i, idPrefix)));
            // The same call every worker's handlers go through, duplicate checks included.
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            await outbox.AddAsync(conn, tx, batch, ct);
            await tx.CommitAsync(ct);
        }
    }

    /// <summary>What the pipeline's run left, read once its consumer and relay have stopped.</summary>
    private static async Task<(TimeSpan Elapsed, long Applied, long InboxRows, long Duplicates, long Unsent,
        long DeadLettered)> PipelineOutcomeAsync(
        NpgsqlDataSource dataSource, string schema, string consumerName, int warmUp, TimeSpan elapsed,
        InboxConsumerStats stats)
    {
        await using var check = await dataSource.OpenConnectionAsync(CancellationToken.None);
        // The measured run's messages only (the warm-up's are checked alike, apart).
        var applied = await check.ExecuteScalarAsync<long>(
            $"SELECT count(DISTINCT message_id) FROM {schema}.effects WHERE message_id LIKE 'bench:%'");
        var rows = await check.ExecuteScalarAsync<long>(
            $"SELECT count(*) FROM {schema}.effects WHERE message_id LIKE 'bench:%'");
        var inbox = await check.ExecuteScalarAsync<long>(
            $"SELECT count(*) FROM {schema}.inbox WHERE consumer = @consumerName AND outcome = 'applied' "
            + "AND message_id LIKE 'bench:%'", new { consumerName });
        var warm = await check.ExecuteScalarAsync<long>(
            $"SELECT count(*) FROM {schema}.effects WHERE message_id LIKE 'warm:%'");
        if (warm != warmUp)
        {
            Console.WriteLine($"the warm-up's messages were not each applied once ({warm:N0} effects for {warmUp:N0}): "
                + "the measured run cannot be told apart from it");
            return (elapsed, -1, inbox, stats.Duplicates, -1, stats.DeadLettered);
        }
        var unsent = await check.ExecuteScalarAsync<long>($"SELECT count(*) FROM {schema}.outbox_unsent");
        return (elapsed, rows == applied ? applied : -1, inbox, stats.Duplicates, unsent, stats.DeadLettered);
    }

    internal static void Print(string what, int count, TimeSpan elapsed) =>
        Console.WriteLine($"{what,-36} {count,9:N0} msgs in {elapsed.TotalSeconds,7:F2} s = "
            + $"{count / elapsed.TotalSeconds,10:N0} msgs/s");

    /// <summary>The bench's own tables: the effect rows and the raw Postgres baseline's rows.</summary>
    internal static Migration EffectsMigration => BenchEffect.Migration;

    /// <summary>The small effect per message: one row keyed by message id, written for a whole run at once.</summary>
    private sealed class BenchEffect(string schema) : IBatchMessageHandler
    {
        public const string Type = "BenchMessageSent";

        public static readonly Migration Migration = new("bench/0001_effects", """
            CREATE TABLE effects (message_id text NOT NULL, k text NOT NULL, payload_bytes integer NOT NULL);
            CREATE TABLE raw_rows (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, k text NOT NULL,
                payload bytea NOT NULL);
            """);

        private readonly string _sql =
            $"INSERT INTO {schema}.effects (message_id, k, payload_bytes) VALUES (@id, @k, @n)";
        private readonly string _batchSql =
            $"INSERT INTO {schema}.effects (message_id, k, payload_bytes) SELECT * FROM unnest(@ids, @ks, @ns)";

        public string MessageType => Type;
        public int SchemaVersionMax => 1;

        public Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct) =>
            context.Connection.ExecuteAsync(_sql, new { id = message.Envelope.MessageId, k = message.Key,
                n = message.Value?.Length ?? 0 }, context.Transaction);

        public Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context,
            CancellationToken ct) =>
            context.Connection.ExecuteAsync(_batchSql, new
            {
                ids = messages.Select(m => m.Envelope.MessageId).ToArray(),
                ks = messages.Select(m => m.Key ?? "").ToArray(),
                ns = messages.Select(m => m.Value?.Length ?? 0).ToArray(),
            }, context.Transaction);
    }
}
