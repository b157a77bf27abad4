using ContestPipeline.Contracts.Contests;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using Dapper;

namespace ContestPipeline.Tests.Infrastructure;

/// <summary>
/// A deployment of the pipeline for one test: its own database and broker, the
/// Stripe-compatible server over HTTP, and the workers it names (ingestion and scoring by
/// default) as real processes. Publishes as the outside world does (operators, the provider, the entry API)
/// and reads what the pipeline published.
/// </summary>
public sealed class ContestRun : IAsyncDisposable
{
    private readonly PipelineFixture _fixture;
    private readonly Dictionary<string, ChildProcess> _workers = new();

    public Isolated Iso { get; }
    public StripeEmulator Stripe { get; }

    /// <summary>Operators, the entry API and the provider: how the test publishes and reads.</summary>
    public OutsideWorld World { get; }

    private ContestRun(PipelineFixture fixture, Isolated iso, StripeEmulator stripe)
    {
        _fixture = fixture;
        Iso = iso;
        Stripe = stripe;
        World = new OutsideWorld(iso.Broker.BootstrapServers, stripe);
    }

    public static async Task<ContestRun> StartAsync(PipelineFixture fixture, int stripeSeed = 7, params string[] workers)
    {
        var iso = await fixture.IsolatedAsync();
        var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions { Seed = stripeSeed });
        var run = new ContestRun(fixture, iso, stripe);
        foreach (var w in workers.Length == 0 ? ["ingestion", "scoring"] : workers) run.StartWorker(w);
        return run;
    }

    /// <summary>The deployment with no worker started yet: the test starts the ones it needs, with their own settings.</summary>
    public static async Task<ContestRun> StartEmptyAsync(PipelineFixture fixture, int stripeSeed = 7)
    {
        var iso = await fixture.IsolatedAsync();
        var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions { Seed = stripeSeed });
        return new ContestRun(fixture, iso, stripe);
    }

    public bool WorkerExited(string name) => _workers[name].HasExited;

    public ChildProcess StartWorker(string name, string? crashAt = null, IReadOnlyDictionary<string, string?>? env = null)
    {
        var variables = new Dictionary<string, string?>
        {
            [PipelineSettings.PostgresVariable] = Iso.PostgresConnectionString,
            [PipelineSettings.KafkaVariable] = Iso.Broker.BootstrapServers,
            [StripeServices.UrlVariable] = Stripe.BaseUrl.ToString(),
            [StripeServices.KeyVariable] = Stripe.ApiKey,
            [CrashPoints.Variable] = crashAt,
        };
        // Each worker as its own database role, as in production; the database's owner migrates.
        foreach (var (k, v) in LocalRoles.WorkerEnvironment(Iso.PostgresConnectionString, name)) variables[k] = v;
        foreach (var (k, v) in env ?? new Dictionary<string, string?>()) variables[k] = v;
        var process = ChildProcess.StartDotnet(name, RepoPaths.WorkerDll(name), [], variables,
            Path.Combine(_fixture.WorkDirectory, $"{name}-{Guid.NewGuid():N}.log"));
        _workers[name] = process;
        return process;
    }

    /// <summary>SIGTERM: the worker finishes its batch, commits its offsets, leaves its groups and logs what its consumers did.</summary>
    public async Task<string> StopWorkerAsync(string name)
    {
        var worker = _workers[name];
        await worker.StopAsync(TimeSpan.FromSeconds(30));
        await worker.DisposeAsync();
        _workers.Remove(name);
        return worker.LogPath;
    }

    public async Task KillWorkerAsync(string name)
    {
        await _workers[name].KillAsync();
        await _workers[name].DisposeAsync();
        _workers.Remove(name);
    }

    /// <summary>
    /// Defines a contest once the feed has scheduled its games: a definition naming a game
    /// the feed has not scheduled is rejected. Different content is a different message.
    /// </summary>
    public void Define(ContestDefined d, bool expectAccepted = true)
    {
        WaitFor("the feed to schedule " + string.Join(", ", d.GameIds), "ingestion.games",
            "SELECT count(*) = cardinality(@ids) FROM ingestion.games WHERE game_id = ANY(@ids) AND status <> 'unknown'", new { ids = d.GameIds.ToArray() });
        World.Define(d);
        // Players can enter a contest only once it is visible, i.e. scheduled.
        if (expectAccepted)
            WaitFor($"contest {d.ContestId} to be scheduled", "ingestion.contests",
                "SELECT EXISTS (SELECT 1 FROM ingestion.contests WHERE contest_id = @id)", new { id = d.ContestId });
    }

    private void WaitFor(string what, string table, string sql, object args)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        using var conn = Iso.DataSource.OpenConnection();
        while (DateTime.UtcNow < deadline)
        {
            if (conn.ExecuteScalar<bool>("SELECT to_regclass(@table) IS NOT NULL", new { table }) && conn.ExecuteScalar<bool>(sql, args)) return;
            Thread.Sleep(50);
        }
        throw new TimeoutException($"timed out waiting for {what}");
    }

    public async Task<string?> StateAsync(string contestId)
    {
        await using var conn = await Iso.DataSource.OpenConnectionAsync();
        var exists = await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('scoring.contests') IS NOT NULL");
        return exists ? await conn.QueryFirstOrDefaultAsync<string>("SELECT state FROM scoring.contests WHERE contest_id = @contestId", new { contestId }) : null;
    }

    public Task WaitForStateAsync(string contestId, string state, int seconds = 60) =>
        Stage.WaitUntilAsync(async () => await StateAsync(contestId) == state, TimeSpan.FromSeconds(seconds), $"contest {contestId} {state} (workers' logs in {_fixture.WorkDirectory})");

    /// <summary>Settlement's own state of a contest (OPEN, COMPLETE, SETTLED, PAID, CANCELLED), which goes on after the referee's ends.</summary>
    public async Task<string?> SettlementStateAsync(string contestId)
    {
        await using var conn = await Iso.DataSource.OpenConnectionAsync();
        var exists = await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('settlement.contests') IS NOT NULL");
        return exists ? await conn.QueryFirstOrDefaultAsync<string>("SELECT state FROM settlement.contests WHERE contest_id = @contestId", new { contestId }) : null;
    }

    public Task WaitForSettlementStateAsync(string contestId, string state, int seconds = 60) =>
        Stage.WaitUntilAsync(async () => await SettlementStateAsync(contestId) == state, TimeSpan.FromSeconds(seconds),
            $"contest {contestId} {state} in settlement (workers' logs in {_fixture.WorkDirectory})");

    public async Task<List<(int Rank, string EntryId, string PlayerId, long ScoreMilli)>> FinalStandingsAsync(string contestId)
    {
        await using var conn = await Iso.DataSource.OpenConnectionAsync();
        return [.. await conn.QueryAsync<(int, string, string, long)>(
            "SELECT rank, entry_id, player_id, score_milli FROM scoring.final_standings WHERE contest_id = @contestId ORDER BY rank, entry_id COLLATE \"C\"",
            new { contestId })];
    }

    public async Task<(string StandingsHash, string InputsHash)> HashesAsync(string contestId)
    {
        await using var conn = await Iso.DataSource.OpenConnectionAsync();
        return await conn.QueryFirstAsync<(string, string)>("SELECT standings_hash, inputs_hash FROM scoring.contests WHERE contest_id = @contestId", new { contestId });
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var w in _workers.Values) await w.DisposeAsync();
        World.Dispose();
        await Stripe.DisposeAsync();
        await Iso.DisposeAsync();
    }
}
