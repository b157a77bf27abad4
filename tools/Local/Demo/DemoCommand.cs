using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Plumbing;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ContestPipeline.Deployment;

namespace ContestPipeline.Local.Demo;

/// <summary>
/// cpdev demo: starts the local broker, the Stripe-compatible server and every worker as
/// separate processes on a fresh database; sends canaries through ingestion → scoring →
/// settlement → payout (each hop: inbox, effect and outbox in one transaction, then the
/// relay to Kafka); then runs a slate of contests through ingestion and referee
/// (ContestSlate). Exits non-zero if a canary does not complete, a hop was applied twice,
/// or any of the slate's checks fails.
/// </summary>
public static class DemoCommand
{
    public static async Task<int> RunAsync(int canaries, TimeSpan timeout, CancellationToken ct)
    {
        var adminPg = await ToolStartup.PostgresAsync("demo");
        if (adminPg is null) return PipelineWorker.ExitStartupFailed;
        // Every demo starts from an empty database, made as compose's postgres service makes its own, so it shows the
        // same thing each time.
        var settingsPg = await LocalPostgres.CreateDatabaseAsync(adminPg, "contestpipeline_demo", dropFirst: true, ct);

        var runDir = Path.Combine(RepoPaths.RunDirectory,
            "demo-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(runDir);
        Step($"run directory {runDir} (process logs)");
        await using var broker = await LocalBrokerProcess.StartAsync(Path.Combine(runDir, "broker.json"),
            Path.Combine(runDir, "broker.log"));
        Step($"local broker up: {broker.BootstrapServers}");
        await using var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions { Seed = 1121 }, ct);
        Step($"Stripe-compatible server up: {stripe.BaseUrl}");
        // Every process from its identity in the deployment's definition, as docker-compose.yml has it.
        var swaps = LocalSwaps.For(runDir, broker, settingsPg, stripe);
        await LocalServices.MigrateAsync(swaps, ct);
        Step($"migrate job done: every schema migrated and granted as {Services.Migrate.DatabaseRole}");

        await using var webhooks = await LocalWebhooks.StartAsync(swaps, ct);
        Step($"Stripe webhook receiver up: {webhooks.Url} -> {webhooks.Topic}");
        Step(
            $"message signing keys: each process holds its own material, laid out from {LocalSigningKeys.Keys.Source}");
        var workers = new List<ChildProcess>();
        try
        {
            StartWorkers(swaps, runDir, workers);

            // The operations read model and console watch the whole run: open the URL while it runs.
            await using var console = await LocalConsole.StartAsync(swaps, ct: ct);
            var signIn = console.SignIns[0];
            Step($"operations console: {console.Url} as {Services.Console.DatabaseRole} " +
                $"(sign in as {signIn.Name} / {signIn.Password}, " +
                $"codes from {console.AuthenticatorUri(signIn.Name)}; operators in {console.OperatorsFile})");

            var runId = DateTime.UtcNow.ToString("HHmmssfff", System.Globalization.CultureInfo.InvariantCulture);
            var ids = Enumerable.Range(1, canaries).Select(i => $"demo-{runId}-{i}").ToList();
            var ok = await SendAndWatchAsync(broker.BootstrapServers, ids, workers, timeout, ct);

            Step("each worker's own tables (inbox rows = messages handled once; outbox rows = messages published):");
            await using var dataSource = NpgsqlDataSource.Create(settingsPg);
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            var duplicates = await DuplicateHopsAsync(conn, ids, runId);
            if (!ok || duplicates > 0)
            {
                Console.WriteLine(
                    $"demo FAILED: {(ok ? "" : "not every canary completed; ")}{duplicates} duplicate hops");
                return 1;
            }
            Step($"{ids.Count} canaries passed every worker exactly once");
            return await RunSlateAsync(broker, stripe, dataSource, swaps, (runDir, console.Url), ct);
        }
        finally
        {
            // Every worker at once, each given its grace (SIGTERM, then SIGKILL).
            await Task.WhenAll(workers.Select(w => w.DisposeAsync().AsTask()));
            Step("workers stopped; local broker stopping");
        }
    }

    /// <summary>Every worker on the canaries' route, and the read model, each from its identity.</summary>
    private static void StartWorkers(LocalSwaps swaps, string runDir, List<ChildProcess> workers)
    {
        foreach (var name in CanaryPassed.Route.Append(Operations.OperationsWorker.Name))
        {
            // Prizes above 60.00 wait for an operator, so the demo shows a release.
            var service = Services.Of(name);
            workers.Add(LocalServices.Start(service, swaps, Path.Combine(runDir, name + ".log"),
                name == Services.Payout.Name ? ContestSlate.PayoutEnvironment : null));
            Step($"{name} started as {service.DatabaseRole} (pid {workers[^1].Id})");
        }
    }

    /// <summary>Each worker's hops and outbox rows for the canaries, printed; how many hops were applied more than
    /// once.</summary>
    private static async Task<int> DuplicateHopsAsync(NpgsqlConnection conn, List<string> ids, string runId)
    {
        var duplicates = 0;
        foreach (var stage in CanaryPassed.Route)
        {
            var hops = await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM {stage}.canary_hops "
                + $"WHERE canary_id = ANY(@ids)", new { ids = ids.ToArray() });
            var outbox = await conn.QueryFirstAsync<(long Total, long Sent)>(
                $"SELECT count(*), count(*) FILTER (WHERE message_id NOT IN (SELECT message_id "
                    + $"FROM {stage}.outbox_unsent)) FROM {stage}.outbox WHERE message_id LIKE @p",
                new { p = $"canary:demo-{runId}-%" });
            duplicates += (int)Math.Max(0, hops - ids.Count);
            Console.WriteLine($"    {stage,-11} hops recorded {hops,3}   outbox {outbox.Sent}/{outbox.Total} sent");
        }
        return duplicates;
    }

    /// <summary>The slate of contests (<see cref="ContestSlate"/>), then every request sent to Stripe; the exit
    /// code.</summary>
    private static async Task<int> RunSlateAsync(LocalBrokerProcess broker, StripeEmulator stripe,
        NpgsqlDataSource dataSource, LocalSwaps swaps, (string RunDir, Uri ConsoleUrl) shown, CancellationToken ct)
    {
        var (runDir, consoleUrl) = shown;
        using var world = new OutsideWorld(broker.BootstrapServers, stripe);
        bool slateOk;
        try
        {
            slateOk = await new ContestSlate(world, dataSource, swaps).RunAsync(ct);
        }
        catch (TimeoutException e)
        {
            Console.WriteLine($"demo FAILED: {e.Message}; the workers' logs are in {runDir}");
            return 1;
        }
        WriteStripeRequests(Path.Combine(runDir, "stripe-requests.txt"), stripe.Requests());
        Step($"every request sent to Stripe: {Path.Combine(runDir, "stripe-requests.txt")}");
        Step($"the run in the operations console: {consoleUrl}");
        Console.WriteLine(slateOk ? "demo OK" : "demo FAILED: see the checks above");
        return slateOk ? 0 : 1;
    }

    /// <summary>
    /// Every /v1 request the pipeline sent, one a line (method, path, parameters, idempotency key, API
    /// version, answer), so two runs, or two Stripe clients, can be compared with diff.
    /// </summary>
    private static void WriteStripeRequests(string path, IReadOnlyList<RecordedRequest> requests) =>
        File.WriteAllLines(path, requests.Select(r =>
            $"{r.Method} {r.Path} [{r.Parameters}] key={r.IdempotencyKey ?? "-"} " +
            $"version={r.StripeVersion ?? "-"} -> {r.Status}" +
            (r.Replayed ? " replayed" : "")));

    private static async Task<bool> SendAndWatchAsync(string bootstrap, List<string> ids, List<ChildProcess> workers,
        TimeSpan timeout, CancellationToken ct)
    {
        using var producer = KafkaClients.Producer(KafkaClients.ProducerConfig(bootstrap, "cpctl.demo"),
            NullLogger.Instance);
        var config = KafkaClients.ConsumerConfig(bootstrap, "cpctl.demo.watch." + Guid.NewGuid().ToString("N"));
        using var watcher = KafkaClients.ConsumerBuilder(config, NullLogger.Instance).Build();
        watcher.Subscribe(Topics.Canary);

        var started = Stopwatch.StartNew();
        foreach (var id in ids)
        {
            var envelope = new Envelope(CanaryPassed.MessageIdFor(id, "origin"), CanaryPassed.MessageType,
                CanaryPassed.SchemaVersion,
                id, null, DateTimeOffset.UtcNow);
            var message = OutgoingMessage.Create(Topics.Canary, id, envelope,
                new CanaryPassed(id, CanaryPassed.Route[0], []));
            await producer.ProduceAsync(Topics.Canary, KafkaClients.Message(message), ct);
        }
        Step($"sent {ids.Count} canaries to {Topics.Canary}; watching them pass through the workers ...");

        var pending = ids.ToHashSet();
        var seen = new HashSet<string>();
        while (pending.Count > 0 && started.Elapsed < timeout && !ct.IsCancellationRequested)
        {
            foreach (var w in workers.Where(w => w.HasExited))
            {
                Console.WriteLine($"worker {w.Name} exited with code {w.ExitCode}; last lines of {w.LogPath}:");
                foreach (var line in File.ReadLines(w.LogPath).TakeLast(5)) Console.WriteLine("    " + line);
                return false;
            }
            var r = watcher.Consume(TimeSpan.FromMilliseconds(200));
            if (r?.Message?.Value is null) continue;
            var canary = JsonSerializer.Deserialize<CanaryPassed>(r.Message.Value, OutgoingMessage.Json);
            if (canary is null || !pending.Contains(canary.CanaryId)) continue;
            var hop = canary.Hops.Count == 0 ? "origin" : canary.Hops[^1];
            if (!seen.Add($"{canary.CanaryId}/{hop}"))
                continue; // the relay may publish a message twice; workers drop it
            Console.WriteLine(
                $"  {started.Elapsed.TotalSeconds,6:F2}s  {canary.CanaryId}  via {hop,-10} -> {canary.NextStage}");
            if (canary.NextStage == CanaryPassed.Done) pending.Remove(canary.CanaryId);
        }
        watcher.Close();
        if (pending.Count > 0) Console.WriteLine($"timed out with {pending.Count} canaries still in flight");
        return pending.Count == 0;
    }

    private static void Step(string text) => Console.WriteLine($"[demo] {text}");
}
