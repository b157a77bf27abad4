using System.Net;
using ContestPipeline.Deployment;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.StripeEmulation;
using Dapper;
using Npgsql;

namespace ContestPipeline.Local.Staging;

/// <summary>
/// The production shape, run here in the staging environment (production's shape, test money):
/// the stack brought up from the deployment's definition as docker-compose.yml brings it up (the
/// topics job, the migrate job, then every service of the production image with its compose
/// identity), every health check answered, one contest from its definition (an operator's, with
/// cpctl) through a real feed and paid entries to PAID, the console read by a signed-in operator,
/// the ledger checked by an operator with cpctl, then every process stopped with SIGTERM. Only
/// <see cref="LocalSwaps"/> differs from compose. <c>cpdev staging</c> (./run staging) and a test run it.
/// </summary>
public sealed partial class StagingRun(string adminPostgres, string runDirectory, Action<string> log)
{
    public const string ContestId = "staging-sunday";
    private const string Game = "staging-g1";
    private const long Fee = 1_000;
    private static readonly string[] Players = ["ana", "ben", "cai", "dee"];

    /// <summary>
    /// Restarts of one service that compose's restart policy (unless-stopped) would make, before the run gives up on
    /// it.
    /// </summary>
    private const int RestartsMax = 5;

    private readonly List<string> _problems = [];
    private readonly List<Running> _running = [];

    /// <summary>A long-running service: its process now, how to start it again, and how often it was.</summary>
    private sealed class Running(ServiceIdentity service, ChildProcess process, Func<Task<ChildProcess>> start)
    {
        public ServiceIdentity Service { get; } = service;
        public ChildProcess Process { get; set; } = process;
        public Func<Task<ChildProcess>> Start { get; } = start;
        public int Restarts { get; set; }
    }

    /// <summary>What failed, each as reported; empty when the run held.</summary>
    public IReadOnlyList<string> Problems => _problems;

    public async Task<bool> RunAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(runDirectory);
        var database = "contestpipeline_staging_" + Guid.NewGuid().ToString("N")[..8];
        var pg = await LocalPostgres.CreateDatabaseAsync(adminPostgres, database, ct: ct);
        Step($"postgres: database {database}, owned by {Services.Migrate.DatabaseRole}, " +
            $"every service's role ({string.Join(", ", Services.DatabaseRoleNames)})");
        try
        {
            await using var broker = await LocalBrokerProcess.StartAsync(Path.Combine(runDirectory, "broker.json"),
                Path.Combine(runDirectory, "broker.log"), empty: true);
            await using var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions { Seed = 2027 }, ct);
            stripe.TopUp(10_000_00, "usd");
            var swaps = LocalSwaps.For(runDirectory, broker, pg, stripe);
            Step($"swapped: the local broker for the three brokers ({broker.BootstrapServers}), " +
                $"the Stripe-compatible server for Stripe ({stripe.BaseUrl}), " +
                $"environment {DeploymentEnvironments.Name(swaps.Environment)}");
            await StartStackAsync(swaps, ct);
            try
            {
                await using var world = new OutsideWorldScope(new OutsideWorld(broker.BootstrapServers, stripe));
                if (_problems.Count == 0) await RunContestAsync(swaps, world.World, pg, ct);
                if (_problems.Count == 0) await OperatorReadsAsync(swaps, ct);
            }
            finally
            {
                // The services stop while the broker and the Stripe-compatible server still run, as a deployment
                // stops them: stopped after the broker, a consumer closing its group waits for a broker that is gone,
                // and outlasted its grace.
                await StopAsync();
            }
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or HttpRequestException)
        {
            _problems.Add(e.Message);
        }
        finally
        {
            await StopAsync();
            await DropAsync(database);
        }
        foreach (var problem in _problems) log("[staging] FAILED: " + problem);
        return _problems.Count == 0;
    }

    /// <summary>
    /// Compose's order: the topics and migrate jobs to their end, then every long-running service, then their health
    /// checks.
    /// </summary>
    private async Task StartStackAsync(LocalSwaps swaps, CancellationToken ct)
    {
        await LocalServices.RunJobAsync(Services.Topics, swaps, Path.Combine(runDirectory, "topics.log"), ct);
        Step("topics job done: the topic list provisioned");
        await LocalServices.MigrateAsync(swaps, ct);
        Step($"migrate job done: every schema migrated and granted as {Services.Migrate.DatabaseRole}");
        foreach (var service in Services.Stack.Where(s => s.Kind == ServiceKind.Worker))
        {
            Task<ChildProcess> Start() => Task.FromResult(LocalServices.Start(service, swaps, Path.Combine(runDirectory,
                $"{service.Name}-{Guid.NewGuid():N}.log")));
            _running.Add(new Running(service, await Start(), Start));
        }
        async Task<ChildProcess> StartWebhooks() => (await LocalWebhooks.StartAsync(swaps, ct)).Process;
        _running.Add(new Running(Services.Webhooks, await StartedAsync(Services.Webhooks, StartWebhooks),
            StartWebhooks));
        async Task<ChildProcess> StartConsole() => (_console = await LocalConsole.StartAsync(swaps, ct: ct)).Process;
        _running.Add(new Running(Services.Console, await StartedAsync(Services.Console, StartConsole), StartConsole));
        async Task<ChildProcess> StartPlayerApi() => (_playerApi = await LocalPlayerApi.StartAsync(swaps, ct)).Process;
        _running.Add(new Running(Services.PlayerApi, await StartedAsync(Services.PlayerApi, StartPlayerApi),
            StartPlayerApi));
        // What runs is exactly the production image's deployables (cpctl ran the jobs).
        var started = _running.Select(r => r.Service.Deployable).Append(Services.Migrate.Deployable)
            .Order(StringComparer.Ordinal);
        Check(started.SequenceEqual(Deployables.All.Select(d => d.Name).Order(StringComparer.Ordinal)),
            $"the stack runs exactly the image's deployables: {string.Join(", ", started)}");
        foreach (var r in _running)
            Step($"{r.Service.Name,-11} running as {r.Service.DatabaseRole ?? "(no database)",-14} " +
                $"keys: {Describe(r.Service.Keys)} (pid {r.Process.Id})");
        await HealthAsync(ct);
    }

    /// <summary>
    /// A service that waits until it answers, started again while it exits at start (a busy machine's Postgres or
    /// broker slow to answer).
    /// </summary>
    private async Task<ChildProcess> StartedAsync(ServiceIdentity service, Func<Task<ChildProcess>> start)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await start();
            }
            catch (InvalidOperationException e) when (attempt <= RestartsMax)
            {
                Step($"{service.Name} exited at start, started again as compose's restart policy would: {e.Message}");
            }
        }
    }

    /// <summary>
    /// Compose's restart policy for long-running services (unless-stopped): one that exited is
    /// started again, up to <see cref="RestartsMax"/> times, each restart said. Exiting for good
    /// (past the bound) fails the run.
    /// </summary>
    private async Task ReviveAsync()
    {
        foreach (var r in _running.Where(r => r.Process.HasExited).ToList())
        {
            var why = $"{r.Service.Name} exited with code {r.Process.ExitCode} (see {r.Process.LogPath})";
            if (r.Restarts >= RestartsMax)
                throw new InvalidOperationException($"{why}, {RestartsMax} restarts already");
            r.Restarts++;
            Step($"{why}; started again as compose's restart policy would ({r.Restarts} of {RestartsMax})");
            await r.Process.DisposeAsync();
            r.Process = await StartedAsync(r.Service, r.Start);
        }
    }

    private LocalConsole? _console;
    private LocalPlayerApi? _playerApi;

    private static string Describe(KeyMaterial? keys) =>
        keys is null ? "none"
            : $"signs as {string.Join(", ", keys.SignsAs)}, " +
                $"verifies {(keys.Verifies.Count == 0 ? "nothing" : string.Join(", ", keys.Verifies))}";

    /// <summary>
    /// Every health check compose asks, answered: each worker's and the receiver's readiness, the console's and the
    /// read API's /healthz.
    /// </summary>
    private async Task HealthAsync(CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var r in _running)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(180);
            var answered = false;
            while (!answered && DateTime.UtcNow < deadline)
            {
                await ReviveAsync();
                var url = r.Service == Services.Console ? new Uri(_console!.Url, "/healthz")
                    : r.Service == Services.PlayerApi ? new Uri(_playerApi!.Url, "/healthz")
                    : LocalServices.HealthUrl(r.Process.LogPath) is { } u ? new Uri(u, "health/ready") : null;
                try
                {
                    answered = url is not null && (await http.GetAsync(url, ct)).StatusCode == HttpStatusCode.OK;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Not answering yet.
                }
                if (!answered) await Task.Delay(250, ct);
            }
            Check(answered,
                $"{r.Service.Name}'s health check answered" +
                (answered ? "" : $" (not within 180 s; see {r.Process.LogPath})"));
        }
    }

    private void Step(string text) => log("[staging] " + text);

    private void Check(bool ok, string what)
    {
        log((ok ? "[staging] ok: " : "[staging] FAILED: ") + what);
        if (!ok) _problems.Add(what);
    }

    /// <summary>
    /// Stops every process as a container runtime would (SIGTERM, then SIGKILL after its grace) and checks each stopped
    /// cleanly.
    /// </summary>
    private async Task StopAsync()
    {
        var stoppedBefore = _running.Where(r => r.Process.HasExited).Select(r => r.Service.Name).ToList();
        await Task.WhenAll(_running.Select(r => r.Process.StopAsync(TimeSpan.FromSeconds(30))));
        foreach (var r in _running.Where(r => !stoppedBefore.Contains(r.Service.Name)))
            Check(r.Process.ExitCode == 0, $"{r.Service.Name} stopped on SIGTERM with exit code {r.Process.ExitCode}");
        foreach (var r in _running) await r.Process.DisposeAsync();
        _running.Clear();
    }

    private async Task DropAsync(string database)
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var conn = new NpgsqlConnection(adminPostgres);
            await conn.OpenAsync();
            await conn.ExecuteAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
        catch (PostgresException e)
        {
            log($"[staging] database {database} left behind: {e.MessageText}");
        }
    }

    /// <summary>Disposes the outside world's producer with the run.</summary>
    private sealed class OutsideWorldScope(OutsideWorld world) : IAsyncDisposable
    {
        public OutsideWorld World { get; } = world;

        public ValueTask DisposeAsync()
        {
            World.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
