using System.Text;
using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Plumbing;
using ContestPipeline.Stripe;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using ContestPipeline.Deployment;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// Real worker processes, killed with SIGKILL at the exact moments that matter, and
/// restarted: what they had committed stays, nothing is applied twice, nothing is lost.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class WorkerProcessTests(PipelineFixture fixture)
{
    private static readonly TimeSpan Patience = Eventually.Patience;

    [Fact]
    public async Task
        Worker_killed_after_its_database_commit_before_its_offset_commit_resumes_from_the_position_its_data_holds()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture);
        var iso = run.Iso;
        var ids = await SendCanariesAsync(iso, 20);
        await using (var crashing = StartWorker(run, "ingestion", CrashPoints.ConsumerAfterCommit))
        {
            await crashing.WaitForExitAsync(new CancellationTokenSource(Patience).Token);
            Assert.Equal(137, crashing.ExitCode);
        }
        var beforeRestart = await HopsAsync(iso, "ingestion", ids);
        Assert.InRange(beforeRestart, 1, ids.Count);

        await using (var restarted = StartWorker(run, "ingestion"))
        {
            await Eventually.UntilAsync(async () => await HopsAsync(iso, "ingestion", ids) == ids.Count
                && PipelineFixture.Lag(iso.Broker.BootstrapServers, "ingestion.canary", Topics.Canary) == 0,
                "every canary recorded by ingestion and every offset committed");
            await restarted.StopAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(0, restarted.ExitCode);
            var stopped = File.ReadLines(restarted.LogPath)
                .Last(l => l.Contains("Consumer ingestion.canary stopped", StringComparison.Ordinal));
            // The restarted worker starts from the position stored with what it applied, not from Kafka's committed
            // offset (which the kill left behind): it does not read every message applied before the kill again.
            var skipped = System.Text.RegularExpressions.Regex.Match(stopped, @"duplicates skipped (\d+)");
            Assert.True(skipped.Success, stopped);
            Assert.True(
                int.Parse(skipped.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) < beforeRestart,
                $"{beforeRestart} messages were applied before the kill and the restarted worker read them all " +
                    $"again: {stopped}");
        }
        Assert.Equal(ids.Count,
            await InboxRowsAsync(iso, "ingestion", ids.Select(id => CanaryPassed.MessageIdFor(id, "origin"))));
        Assert.Equal(0, await OutboxUnsentAsync(iso, "ingestion"));
        Assert.Empty(DeadLetters(iso));
    }

    [Fact]
    public async Task
        Worker_relay_killed_after_producing_before_marking_sent_republishes_and_the_next_stage_applies_once()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture);
        var iso = run.Iso;
        var ids = await SendCanariesAsync(iso, 20);
        await using (var crashing = StartWorker(run, "ingestion", CrashPoints.RelayAfterProduce))
        {
            await crashing.WaitForExitAsync(new CancellationTokenSource(Patience).Token);
            Assert.Equal(137, crashing.ExitCode);
        }
        // What the killed relay had produced is on the topic, yet its rows are still unsent.
        var producedBeforeCrash = ForwardedBy(iso, "ingestion", ids).Count;
        Assert.True(producedBeforeCrash > 0, "the relay produced before it was killed");
        Assert.True(await OutboxUnsentAsync(iso, "ingestion") >= producedBeforeCrash,
            "the killed relay left produced rows unmarked");

        await using var ingestion = StartWorker(run, "ingestion");
        await using var scoring = StartWorker(run, "scoring");
        // Scoring can record every hop from the copies produced before the crash, before the
        // restarted relay has produced them again: wait for that too (its rows marked sent).
        await Eventually.UntilAsync(async () => await HopsAsync(iso, "scoring", ids) == ids.Count
            && await OutboxUnsentAsync(iso, "ingestion") == 0,
            "every canary recorded by scoring and ingestion's outbox republished");

        var forwarded = ForwardedBy(iso, "ingestion", ids);
        Assert.Equal(ids.Count + producedBeforeCrash, forwarded.Count);
        Assert.Equal(ids.Count, forwarded.Distinct().Count());
        Assert.Equal(ids.Count,
            await InboxRowsAsync(iso, "scoring", ids.Select(id => CanaryPassed.MessageIdFor(id, "ingestion"))));
        Assert.Empty(DeadLetters(iso));
    }

    [Fact]
    public async Task Migrations_run_by_two_processes_at_once_are_applied_once()
    {
        var schema = "m_" + Guid.NewGuid().ToString("N")[..12];
        var key = Migrator.LockKey(schema);
        // The test holds the migrators' lock until both processes are waiting for it, so the
        // two runs overlap for certain instead of one finishing before the other starts.
        await using var holder = await fixture.DataSource.OpenConnectionAsync();
        await using var held = await holder.BeginTransactionAsync();
        await holder.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))", new { key }, held);

        var env = new Dictionary<string, string?>
            { [PipelineSettings.PostgresVariable] = fixture.PostgresConnectionString };
        var outputs = new List<string>[] { [], [] };
        var processes = outputs.Select((lines, i) => ChildProcess.StartDotnet($"migrate{i}", RepoPaths.CpctlDll,
            ["migrate", "--worker", "ingestion", "--schema", schema], env,
            Path.Combine(fixture.WorkDirectory, $"migrate-{schema}-{i}.log"),
            line => { lock (lines) lines.Add(line); })).ToList();
        List<int> exitCodes;
        try
        {
            await Eventually.UntilAsync(async () =>
            {
                if (processes.FirstOrDefault(p => p.HasExited) is { } early)
                    Assert.Fail(
                        $"{early.Name} exited with {early.ExitCode} before the lock was released; see {early.LogPath}");
                return await WaitersForAsync(holder, held, key) == 2;
            }, "both migrate processes waiting for the migrations lock");
            await held.CommitAsync();
            foreach (var p in processes) await p.WaitForExitAsync(new CancellationTokenSource(Patience).Token);
            exitCodes = [.. processes.Select(p => p.ExitCode)];
        }
        finally
        {
            foreach (var p in processes) await p.DisposeAsync();
        }

        Assert.Equal([0, 0], exitCodes);
        var migrations = Workers.All["ingestion"].AllMigrations;
        var appliedCounts = outputs.Select(lines => int.Parse(lines.Single().Split(' ')[1],
            System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
        Assert.Equal([0, migrations.Count], appliedCounts);
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        Assert.Equal(migrations.Select(m => m.Id).Order(StringComparer.Ordinal),
            await conn.QueryAsync<string>($"SELECT id FROM {schema}.schema_migrations ORDER BY id COLLATE \"C\""));
    }

    /// <summary>
    /// Sessions waiting for the advisory lock pg_advisory_xact_lock(hashtextextended(key, 0)) in this database.
    /// </summary>
    private static Task<long> WaitersForAsync(Npgsql.NpgsqlConnection conn, Npgsql.NpgsqlTransaction tx, string key) =>
        conn.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM pg_locks
            WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(@key, 0)
            """, new { key }, tx);

    [Theory]
    [InlineData("pg", "ingestion: Postgres unreachable at 127.0.0.1:1 (database {db}, user {user}): ")]
    [InlineData("kafka", "ingestion: Kafka broker unreachable at 127.0.0.1:1: ")]
    [InlineData("stripe", "ingestion: CONTESTPIPELINE_STRIPE_KEY is not set: the platform's Stripe secret key")]
    [InlineData("stripe-live",
        "ingestion: CONTESTPIPELINE_STRIPE_KEY: a live key in development; only production may move live money")]
    [InlineData("environment",
        "ingestion: CONTESTPIPELINE_ENVIRONMENT: 'prod' is not one of production, staging, development, test")]
    [InlineData("crash-point-in-production",
        "ingestion: CONTESTPIPELINE_CRASH_AT: crash points cannot be armed in production")]
    [InlineData("librdkafka", "ingestion: librdkafka not found at {lib} (from CONTESTPIPELINE_LIBRDKAFKA): unset it " +
        "to use the packaged 2.16.0")]
    [InlineData("librdkafka-unloadable",
        "ingestion: librdkafka at {lib} (from CONTESTPIPELINE_LIBRDKAFKA) could not be loaded: ")]
    [InlineData("batch", "ingestion: CONTESTPIPELINE_CONSUMER_BATCH_MAX: '0' is not a whole number from 1 to 10,000")]
    [InlineData("signing-key",
        "ingestion: no signing key for producer 'ingestion' in {keys} (CONTESTPIPELINE_SIGNING_KEYS_DIR): expected " +
        "{keys}/ingestion/<consumer>/<key id>.key for each consumer of what it publishes")]
    [InlineData("signing-keys-in-production", "ingestion: CONTESTPIPELINE_SIGNING_KEYS_DIR is not set: every process " +
        "signs what it publishes and verifies what it consumes with its pair keys, read from there")]
    public async Task Worker_started_without_its_database_or_broker_prints_one_clear_line_and_exits(string missing,
        string expected)
    {
        // Nothing listens on port 1, whichever port the test cluster itself uses.
        var csb = new Npgsql.NpgsqlConnectionStringBuilder(fixture.PostgresConnectionString);
        if (missing == "pg")
            csb = new Npgsql.NpgsqlConnectionStringBuilder(csb.ConnectionString) { Host = "127.0.0.1", Port = 1 };
        // Production refuses the development password first; these rows are about the crash point and the keys.
        if (missing is "crash-point-in-production" or "signing-keys-in-production")
            csb = new Npgsql.NpgsqlConnectionStringBuilder(csb.ConnectionString)
                { Password = "not-the-development-one" };
        var env = new Dictionary<string, string?>
        {
            [PipelineSettings.PostgresVariable] = csb.ConnectionString,
            [PipelineSettings.KafkaVariable] = missing == "kafka" ? "127.0.0.1:1" : fixture.BootstrapServers,
            [StripeServices.KeyVariable] = missing switch
                { "stripe" => null, "stripe-live" => "sk_live_unused", _ => "sk_test_unused" },
            [SigningKeys.DirectoryVariable] = LocalSigningKeys.Directory,
        };
        // Another producer's pair key is there, none of its own.
        var keys = Path.Combine(fixture.WorkDirectory, $"startup-{missing}-keys");
        if (missing == "signing-key")
        {
            SigningKeys.CreateMissing(keys, [(Producers.Scoring, Producers.Settlement)]);
            env[SigningKeys.DirectoryVariable] = keys;
        }
        if (missing == "signing-keys-in-production")
        {
            env[PipelineSettings.EnvironmentVariable] = "production";
            env[StripeServices.KeyVariable] = "sk_live_unused";
            env[SigningKeys.DirectoryVariable] = null;
        }
        if (missing == "environment") env[PipelineSettings.EnvironmentVariable] = "prod";
        if (missing == "crash-point-in-production")
        {
            env[PipelineSettings.EnvironmentVariable] = "production";
            env[CrashPoints.Variable] = CrashPoints.ConsumerAfterCommit;
        }
        var lib = Path.Combine(fixture.WorkDirectory, $"startup-{missing}-librdkafka.so.1");
        if (missing.StartsWith("librdkafka", StringComparison.Ordinal)) env[KafkaNative.PathVariable] = lib;
        if (missing == "librdkafka-unloadable") await File.WriteAllTextAsync(lib, "not a shared library\n");
        if (missing == "batch") env[PipelineSettings.ConsumerBatchVariable] = "0";
        var lines = new List<string>();
        await using var worker = ChildProcess.StartDotnet("ingestion", RepoPaths.DeployableDll("ingestion"), [], env,
            Path.Combine(fixture.WorkDirectory, $"startup-{missing}.log"), line => { lock (lines) lines.Add(line); });
        // Waits for the process to exit and for its output to reach its end, every line handed to the callback.
        await worker.WaitForExitAsync(new CancellationTokenSource(Patience).Token);

        Assert.Equal(PipelineWorker.ExitStartupFailed, worker.ExitCode);
        var printed = lines.Where(l => l.Length > 0).ToList();
        var line = Assert.Single(printed);
        expected = expected.Replace("{db}", csb.Database, StringComparison.Ordinal)
            .Replace("{user}", csb.Username, StringComparison.Ordinal)
            .Replace("{lib}", lib, StringComparison.Ordinal).Replace("{keys}", keys, StringComparison.Ordinal);
        // A missing library's line is all ours; the others end with the loader's or client library's reason.
        if (missing is "librdkafka" or "batch" or "environment" or "crash-point-in-production" or "stripe-live"
            or "signing-key" or "signing-keys-in-production")
            Assert.Equal(expected, line);
        else Assert.StartsWith(expected, line);
    }

    /// <summary>
    /// A worker process of the run, with its identity from the deployment's definition, outside the run's own
    /// bookkeeping.
    /// </summary>
    private ChildProcess StartWorker(ContestRun run, string name, string? crashAt = null) =>
        LocalServices.Start(Services.Of(name), run.Swaps,
            Path.Combine(fixture.WorkDirectory, $"{name}-{Guid.NewGuid():N}.log"),
            new Dictionary<string, string?> { [CrashPoints.Variable] = crashAt });

    private static async Task<List<string>> SendCanariesAsync(Isolated iso, int count)
    {
        var ids = Enumerable.Range(1, count).Select(i => $"c-{i}").ToList();
        using var producer = KafkaClients.Producer(KafkaClients.ProducerConfig(iso.Broker.BootstrapServers, "tests"),
            NullLogger.Instance);
        foreach (var id in ids)
        {
            var message = OutgoingMessage.Create(Topics.Canary, id,
                new Envelope(CanaryPassed.MessageIdFor(id, "origin"), CanaryPassed.MessageType, 1, id, null,
                    DateTimeOffset.UnixEpoch),
                new CanaryPassed(id, "ingestion", []));
            var headers = new Headers();
            foreach (var h in message.Headers) headers.Add(h.Name, h.Value);
            producer.Produce(Topics.Canary,
                new Message<byte[]?, byte[]?> { Key = message.Key, Value = message.Payload, Headers = headers });
        }
        producer.Flush(Patience);
        return ids;
    }

    private static async Task<long> HopsAsync(Isolated iso, string stage, IEnumerable<string> ids)
    {
        await using var conn = await iso.DataSource.OpenConnectionAsync();
        var exists = await conn.ExecuteScalarAsync<bool>("SELECT to_regclass(@t) IS NOT NULL",
            new { t = stage + ".canary_hops" });
        return exists ? await conn.ExecuteScalarAsync<long>(
            $"SELECT count(*) FROM {stage}.canary_hops WHERE canary_id = ANY(@ids)", new { ids = ids.ToArray() }) : 0;
    }

    private static async Task<long> InboxRowsAsync(Isolated iso, string stage, IEnumerable<string> messageIds)
    {
        await using var conn = await iso.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>(
            $"SELECT count(*) FROM {stage}.inbox WHERE message_id = ANY(@ids) AND outcome = 'applied'",
            new { ids = messageIds.ToArray() });
    }

    private static async Task<long> OutboxUnsentAsync(Isolated iso, string stage)
    {
        await using var conn = await iso.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM {stage}.outbox_unsent");
    }

    /// <summary>
    /// Message ids on the canary topic of canaries forwarded by <paramref name="stage"/>, duplicates included.
    /// </summary>
    private static List<string> ForwardedBy(Isolated iso, string stage, List<string> ids)
    {
        var wanted = ids.Select(id => CanaryPassed.MessageIdFor(id, stage)).ToHashSet();
        return [.. ReadRaw(iso, Topics.Canary)
            .Select(r => Encoding.UTF8.GetString(r.Message.Headers.GetLastBytes(MessageHeaders.MessageId)))
            .Where(wanted.Contains)];
    }

    private static List<string> DeadLetters(Isolated iso) =>
        [.. ReadRaw(iso, Topics.DeadLetter(Topics.Canary)).Select(r => Encoding.UTF8.GetString(r.Message.Value ?? []))];

    /// <summary>Everything on the topic: read until the end offsets seen at the start are reached.</summary>
    private static List<ConsumeResult<byte[]?, byte[]?>> ReadRaw(Isolated iso, string topic) =>
        PipelineFixture.ReadToEnd(iso.Broker.BootstrapServers, topic);
}
