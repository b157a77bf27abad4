using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using Dapper;
using ContestPipeline.Deployment;

namespace ContestPipeline.Tests.Infrastructure;

/// <summary>
/// A deployment of the pipeline for one test: its own database (as the migrate job leaves it, as
/// compose runs it) and broker, the Stripe-compatible server over HTTP, and the workers it names
/// (ingestion and scoring by default) as real processes, each with its identity from the
/// deployment's definition (<see cref="Services"/>, through <see cref="LocalServices"/>).
/// Publishes as the outside world does (operators, the provider, the entry API) and reads what
/// the pipeline published.
/// </summary>
public sealed class ContestRun : IAsyncDisposable
{
    private readonly PipelineFixture _fixture;
    private readonly Dictionary<string, ChildProcess> _workers = new();

    public Isolated Iso { get; }
    public StripeEmulator Stripe { get; }

    /// <summary>
    /// What this machine runs instead of compose's Kafka, Postgres and Stripe, for every process the test starts.
    /// </summary>
    public LocalSwaps Swaps { get; }

    /// <summary>Operators, the entry API and the provider: how the test publishes and reads.</summary>
    public OutsideWorld World { get; }

    private ContestRun(PipelineFixture fixture, Isolated iso, StripeEmulator stripe)
    {
        _fixture = fixture;
        Iso = iso;
        Stripe = stripe;
        World = new OutsideWorld(iso.Broker.BootstrapServers, stripe);
        Swaps = iso.Broker.Swaps(Path.Combine(fixture.WorkDirectory, "run-" + Guid.NewGuid().ToString("N")[..10]),
            iso.PostgresConnectionString, stripe);
    }

    public static async Task<ContestRun> StartAsync(PipelineFixture fixture, int stripeSeed = 7,
        params string[] workers)
    {
        var run = await StartEmptyAsync(fixture, stripeSeed);
        foreach (var w in workers.Length == 0 ? ["ingestion", "scoring"] : workers) run.StartWorker(w);
        return run;
    }

    /// <summary>
    /// The deployment, migrated, with no worker started yet: the test starts the ones it needs, with their own
    /// settings. Stripe takes no fee on payments unless <paramref name="paymentFee"/> says what it takes.
    /// </summary>
    public static async Task<ContestRun> StartEmptyAsync(PipelineFixture fixture, int stripeSeed = 7,
        ProcessingFee? paymentFee = null)
    {
        // Its database as the migrate job leaves it: the job runs once per test process (MigratedTemplate).
        var iso = await fixture.IsolatedAsync(migrated: true);
        var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions
        {
            Seed = stripeSeed, PaymentFee = paymentFee ?? new ProcessingFee(0, 0),
        });
        return new ContestRun(fixture, iso, stripe);
    }

    public bool WorkerExited(string name) => _workers[name].HasExited;

    /// <summary>
    /// Where each running worker's health port (and /metrics) listens, as host:port, once it said so.
    /// </summary>
    public IReadOnlyList<string> HealthTargets() =>
        [.. _workers.Values.Where(w => !w.HasExited).Select(w => LocalServices.HealthUrl(w.LogPath))
            .OfType<Uri>().Select(u => u.Authority)];

    /// <summary>
    /// Starts a worker; <paramref name="instance"/> 2 and up are further processes of it behind
    /// the same consumer groups, known to the other methods as <c>name#instance</c>.
    /// </summary>
    public ChildProcess StartWorker(string name, string? crashAt = null,
        IReadOnlyDictionary<string, string?>? env = null, int instance = 1)
    {
        // The worker's identity as compose gives it; the test's own settings on top.
        var variables = new Dictionary<string, string?> { [CrashPoints.Variable] = crashAt };
        foreach (var (k, v) in env ?? new Dictionary<string, string?>()) variables[k] = v;
        var key = instance == 1 ? name : $"{name}#{instance}";
        ChildProcess Start() => LocalServices.Start(Services.Of(name), Swaps,
            Path.Combine(_fixture.WorkDirectory, $"{name}-{instance}-{Guid.NewGuid():N}.log"), variables, label: key);
        _restarts[key] = (Start, 0);
        return _workers[key] = Start();
    }

    /// <summary>How to start each worker again, and how often it was, for <see cref="ReviveRefusedStarts"/>.</summary>
    private readonly Dictionary<string, (Func<ChildProcess> Start, int Count)> _restarts = new();

    private const int RefusedStartsMax = 3;

    /// <summary>
    /// Starts again, as compose's restart policy would, a worker that exited at start because
    /// Postgres or the broker did not answer in time (a busy machine); any other exit stays.
    /// </summary>
    private void ReviveRefusedStarts()
    {
        foreach (var (key, process) in _workers
            .Where(w => w.Value.HasExited && w.Value.ExitCode == PipelineWorker.ExitStartupFailed).ToList())
        {
            var (start, count) = _restarts[key];
            var last = File.Exists(process.LogPath) ? File.ReadLines(process.LogPath).LastOrDefault() ?? "" : "";
            if (count >= RefusedStartsMax || !(last.Contains("Postgres unreachable", StringComparison.Ordinal)
                    || last.Contains("Kafka broker unreachable", StringComparison.Ordinal)))
                continue;
            _restarts[key] = (start, count + 1);
            // It has exited: disposing it only releases its handle and log.
            process.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _workers[key] = start();
        }
    }

    /// <summary>
    /// SIGTERM: the worker finishes its batch, commits its offsets, leaves its groups and logs what its consumers did.
    /// </summary>
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
    /// A definition expected to be accepted that is dead-lettered instead fails at once with
    /// Ingestion's reason (a lock time already past, say) rather than after a timeout.
    /// </summary>
    public void Define(ContestDefined d, bool expectAccepted = true)
    {
        Eventually.Until(() => Count("ingestion.games",
                "SELECT count(*) FROM ingestion.games WHERE game_id = ANY(@ids) AND status <> 'unknown'",
                new { ids = d.GameIds.ToArray() }),
            n => n == d.GameIds.Count, "the feed to schedule " + string.Join(", ", d.GameIds));
        var deadLettered = World.Read(Topics.DeadLetter(Topics.Contests)).Count;
        World.Define(d);
        // Players can enter a contest only once it is visible, i.e. scheduled.
        if (!expectAccepted) return;
        var scheduled = Eventually.Until(() =>
        {
            if (Count("ingestion.contests",
                "SELECT count(*) FROM ingestion.contests WHERE contest_id = @id", new { id = d.ContestId }) == 1)
                return "scheduled";
            var rejected = World.Read(Topics.DeadLetter(Topics.Contests)).Skip(deadLettered)
                .FirstOrDefault(m => m.Key == d.ContestId)?.Headers.GetValueOrDefault(MessageHeaders.DeadLetterReason);
            return rejected is null ? "not yet" : "rejected: " + rejected;
        }, state => state != "not yet", $"contest {d.ContestId} to be scheduled");
        Assert.True(scheduled == "scheduled", $"contest {d.ContestId} was {scheduled}");
    }

    /// <summary>A count from a worker's table, 0 while the worker has not created the table yet.</summary>
    private long Count(string table, string sql, object args)
    {
        using var conn = Iso.DataSource.OpenConnection();
        return conn.ExecuteScalar<bool>("SELECT to_regclass(@table) IS NOT NULL", new { table })
            ? conn.ExecuteScalar<long>(sql, args) : 0;
    }

    /// <summary>
    /// How long the test's own steps before a lock may take once every worker is ready: the
    /// games scheduled, the contests defined, a few entries verified with Stripe and decided.
    /// Counted from readiness, not from the test's start, it holds on a busy machine, where a
    /// worker's start alone has taken longer than a lock time guessed from the wall clock. 15 s: at a load of 67 on
    /// two cores, two definitions took more than 10 s to be scheduled.
    /// </summary>
    public static readonly TimeSpan LockMargin = TimeSpan.FromSeconds(15);

    /// <summary>What each further message the test sends before the lock adds to <see cref="LockMargin"/>.</summary>
    public static readonly TimeSpan LockMarginPerMessage = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// A lock time for contests the test is about to define and enter: every running worker's
    /// consumers hold their partitions first, then <see cref="LockMargin"/> and
    /// <see cref="LockMarginPerMessage"/> for each of the <paramref name="messagesBeforeLock"/>
    /// definitions and submissions beyond ten that must be decided before it.
    /// </summary>
    public async Task<DateTimeOffset> LockTimeAsync(int messagesBeforeLock = 10)
    {
        await ReadyAsync();
        return DateTimeOffset.UtcNow + LockMargin + LockMarginPerMessage * Math.Max(0, messagesBeforeLock - 10);
    }

    /// <summary>The worker a process runs: <c>scoring#2</c> is a second process of <c>scoring</c>.</summary>
    private static string WorkerOf(string process) => process.Split('#')[0];

    /// <summary>
    /// Waits until every running worker's consumers hold their partitions, as each worker's log says.
    /// </summary>
    public Task ReadyAsync() =>
        Eventually.UntilAsync(() =>
            {
                ReviveRefusedStarts();
                return _workers.Values.SelectMany(w => w.HasExited ? [$"{w.Name} (exited {w.ExitCode})"]
                    : WorkerLog.NotReady(WorkerOf(w.Name), w.LogPath))
                    .ToList();
            },
            notReady => notReady.Count == 0,
            $"every worker's consumers to hold their partitions (logs in {_fixture.WorkDirectory})");

    /// <summary>
    /// Waits until the pipeline has nothing left in flight: every running worker's consumer
    /// groups have committed every message of their topics and no outbox holds a row not yet
    /// published, with no new outbox row between the first look and the last. What a message
    /// could still cause has then been caused, so a test can assert that something did NOT happen.
    /// </summary>
    public Task ReadToEndAsync() => ReadToEndAsync([.. _workers.Where(w => !w.Value.HasExited)
        .SelectMany(w => Workers.All[WorkerOf(w.Key)].Consumers).DistinctBy(c => c.Consumer)
            .Select(c => (c.Consumer, c.Topics))]);

    /// <summary><see cref="ReadToEndAsync()"/> for the named consumer groups and their topics.</summary>
    public async Task ReadToEndAsync(IReadOnlyList<(string Group, IReadOnlyList<string> Topics)> groups)
    {
        var bootstrap = Iso.Broker.BootstrapServers;
        await Eventually.UntilAsync(async () =>
        {
            var before = await OutboxAsync();
            var behind = groups.SelectMany(g =>
                g.Topics.Select(t => (g.Group, Topic: t, Lag: PipelineFixture.Lag(bootstrap, g.Group, t))))
                .Where(l => l.Lag != 0).Select(l => $"{l.Group} {l.Lag} behind on {l.Topic}").ToList();
            var after = await OutboxAsync();
            if (before.Unsent > 0 || after.Unsent > 0) behind.Add($"{after.Unsent} outbox rows unpublished");
            if (before.Rows != after.Rows) behind.Add($"{after.Rows - before.Rows} outbox rows written meanwhile");
            return behind;
        }, behind => behind.Count == 0,
            "every consumer group to have read to the end of its topics and every outbox to be published");
    }

    /// <summary>Every worker schema's outbox rows and how many are not published yet.</summary>
    private async Task<(long Rows, long Unsent)> OutboxAsync()
    {
        await using var conn = await Iso.DataSource.OpenConnectionAsync();
        var schemas = (await conn.QueryAsync<string>(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox' AND table_schema = " +
                "ANY(@names)", new { names = Workers.Names.ToArray() })).ToList();
        if (schemas.Count == 0) return (0, 0);
        var sql = string.Join(" UNION ALL ", schemas.Select(s =>
            $"SELECT (SELECT count(*) FROM {s}.outbox) AS rows, (SELECT count(*) FROM {s}.outbox_unsent) AS unsent"));
        return await conn.QueryFirstAsync<(long, long)>(
            $"SELECT sum(rows)::bigint, sum(unsent)::bigint FROM ({sql}) o");
    }

    public async Task<string?> StateAsync(string contestId)
    {
        await using var conn = await Iso.DataSource.OpenConnectionAsync();
        var exists = await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('scoring.contests') IS NOT NULL");
        return exists ? await conn.QueryFirstOrDefaultAsync<string>(
            "SELECT state FROM scoring.contests WHERE contest_id = @contestId", new { contestId }) : null;
    }

    public Task WaitForStateAsync(string contestId, string state, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(() => StateAsync(contestId), s => s == state,
            $"contest {contestId} {state} (workers' logs in {_fixture.WorkDirectory})", timeout);

    /// <summary>
    /// Settlement's own state of a contest (OPEN, COMPLETE, SETTLED, PAID, CANCELLED), which goes on after the
    /// referee's ends.
    /// </summary>
    public async Task<string?> SettlementStateAsync(string contestId)
    {
        await using var conn = await Iso.DataSource.OpenConnectionAsync();
        var exists = await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('settlement.contests') IS NOT NULL");
        return exists ? await conn.QueryFirstOrDefaultAsync<string>(
            "SELECT state FROM settlement.contests WHERE contest_id = @contestId", new { contestId }) : null;
    }

    public Task WaitForSettlementStateAsync(string contestId, string state, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(() => SettlementStateAsync(contestId), s => s == state,
            $"contest {contestId} {state} in settlement (workers' logs in {_fixture.WorkDirectory})", timeout);

    public async Task<List<(int Rank, string EntryId, string PlayerId, long ScoreMilli)>> FinalStandingsAsync(
        string contestId)
    {
        await using var conn = await Iso.DataSource.OpenConnectionAsync();
        return [.. await conn.QueryAsync<(int, string, string, long)>(
            "SELECT rank, entry_id, player_id, score_milli FROM scoring.final_standings WHERE contest_id = " +
                "@contestId ORDER BY rank, entry_id COLLATE \"C\"",
            new { contestId })];
    }

    public async Task<(string StandingsHash, string InputsHash)> HashesAsync(string contestId)
    {
        await using var conn = await Iso.DataSource.OpenConnectionAsync();
        return await conn.QueryFirstAsync<(string, string)>("SELECT standings_hash, inputs_hash FROM " +
            "scoring.contests WHERE contest_id = @contestId", new { contestId });
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var w in _workers.Values) await w.DisposeAsync();
        World.Dispose();
        await Stripe.DisposeAsync();
        await Iso.DisposeAsync();
    }
}
