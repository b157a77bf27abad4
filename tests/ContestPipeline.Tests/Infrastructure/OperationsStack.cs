using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Payout;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using Dapper;
using Npgsql;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;
using ContestPipeline.Deployment;
using ContestPipeline.Notifier;
using ContestPipeline.Rules.Ledger;
using ContestPipeline.Operations;
using ContestPipeline.Operations.Queries.Ledger;

namespace ContestPipeline.Tests.Infrastructure;

/// <summary>
/// The whole pipeline with its operations read model (and, when asked, the console) on a
/// database (as the migrate job leaves it) and broker of its own: every worker as a process with
/// its identity from the deployment's definition, the Stripe-compatible server with a funded
/// balance, and the real webhook receiver. Used by the read model's replay test
/// and the console's browser tests.
/// </summary>
public sealed class OperationsStack : IAsyncDisposable
{
    /// <summary>Prizes above 20.00 wait for review, and releasing one above 20.00 takes two approvers.</summary>
    public const long ReviewAboveMinor = 2_000;

    private readonly Dictionary<string, ChildProcess> _workers = new();
    private readonly string _adminPg;
    private readonly string _database;

    public string WorkDirectory { get; }
    public string PostgresConnectionString { get; }
    public NpgsqlDataSource DataSource { get; }
    public TestBroker Broker { get; }
    public StripeEmulator Stripe { get; }
    public LocalWebhooks Webhooks { get; }

    /// <summary>What this machine runs instead of compose's Kafka, Postgres and Stripe.</summary>
    public LocalSwaps Swaps { get; }
    public OutsideWorld World { get; }
    public LocalConsole? Console { get; private set; }

    /// <summary>Debian's SMTP server the notification sender sends operators' email to.</summary>
    public LocalSmtpServer Smtp { get; }

    /// <summary>The platform's endpoint for players' notifications.</summary>
    public RecordingPlatformEndpoint Platform { get; }
    /// <summary>The tests' own settings, on top of each process's identity.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; }

    private OperationsStack(string adminPg, string database, string workDirectory, string pg, TestBroker broker,
        StripeEmulator stripe, LocalWebhooks webhooks, LocalSwaps swaps, LocalSmtpServer smtp,
        RecordingPlatformEndpoint platform)
    {
        Swaps = swaps;
        Smtp = smtp;
        Platform = platform;
        _adminPg = adminPg;
        _database = database;
        WorkDirectory = workDirectory;
        PostgresConnectionString = pg;
        DataSource = NpgsqlDataSource.Create(pg);
        Broker = broker;
        Stripe = stripe;
        Webhooks = webhooks;
        World = new OutsideWorld(broker.BootstrapServers, stripe);
        Environment = new Dictionary<string, string?>
        {
            [PayoutOptions.Settings.ReviewThresholdMinor] =
                ReviewAboveMinor.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [TwoPersonRule.Setting] = ReviewAboveMinor.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [PayoutOptions.Settings.AccountRecheckMs] = "500",
            [PayoutOptions.Settings.BalanceRecheckMs] = "300",
            // Balance snapshots are the moment's readings; these tests do not wait for a second one.
            [OperationsOptions.Settings.SnapshotIntervalSeconds] = "3600",
            // Few enough that a flood of them is not the most of the delivery log the console and cpctl page through.
            [OperationsOptions.Settings.AlertEmailsPerSourcePerHour] =
                AlertEmailsPerSourcePerHour.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [NotifierOptions.Settings.SmtpHost] = "127.0.0.1",
            [NotifierOptions.Settings.SmtpPort] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [NotifierOptions.Settings.SmtpSecurity] = "none",
            [NotifierOptions.Settings.OperatorsEmail] = $"{OperatorsEmail},{OnCallEmail}:critical",
            [NotifierOptions.Settings.PlatformWebhookUrl] = platform.Url.ToString(),
            [NotifierOptions.Settings.IntervalMs] = "200",
        };
    }

    /// <summary>Warning and critical alerts of one source this stack emails in an hour.</summary>
    public const int AlertEmailsPerSourcePerHour = 10;

    public static async Task<OperationsStack> StartAsync(string name)
    {
        var admin = Setting.Text(null, PipelineSettings.PostgresVariable) ?? PipelineSettings.PostgresDefault;
        await PipelineWorker.CheckPostgresAsync(admin);
        var database = $"contestpipeline_{name}_{Guid.NewGuid().ToString("N")[..8]}";
        var work = Path.Combine(Path.GetTempPath(), "contestpipeline-tests-" + System.Environment.ProcessId, database);
        Directory.CreateDirectory(work);
        // As the migrate job leaves it, before any service starts: the job runs once per test process.
        var pg = await MigratedTemplate.CreateAsync(admin, database, work);
        var broker = await TestBroker.StartAsync(Path.Combine(work, "broker.json"), Path.Combine(work, "broker.log"));
        var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions { Seed = 31 });
        stripe.TopUp(100_000_00, "usd");
        var swaps = broker.Swaps(work, pg, stripe);
        var webhooks = await LocalWebhooks.StartAsync(swaps);
        var smtp = await LocalSmtpServer.StartAsync(work);
        var platform = await RecordingPlatformEndpoint.StartAsync();
        return new OperationsStack(admin, database, work, pg, broker, stripe, webhooks, swaps, smtp, platform);
    }

    /// <summary>
    /// Starts the workers (every one by default), each with its identity from the deployment's definition.
    /// </summary>
    public void StartWorkers(params string[] names)
    {
        foreach (var name in names.Length == 0 ? [.. Workers.All.Keys] : names)
            _workers[name] = LocalServices.Start(Services.Of(name), Swaps,
                Path.Combine(WorkDirectory, $"{name}-{Guid.NewGuid():N}.log"), Environment);
    }

    public async Task StopWorkerAsync(string name)
    {
        var worker = _workers[name];
        await worker.StopAsync(TimeSpan.FromSeconds(30));
        await worker.DisposeAsync();
        _workers.Remove(name);
    }

    public async Task<LocalConsole> StartConsoleAsync(
        IReadOnlyList<(string Name, string Role, string Password)> signIns) =>
        Console = await LocalConsole.StartAsync(Swaps, signIns: signIns, overrides: Environment);

    public async Task<T?> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<T>(sql, args);
    }

    public async Task<bool> TableExistsAsync(string table) =>
        await ScalarAsync<bool>("SELECT to_regclass(@table) IS NOT NULL", new { table });

    /// <summary>The contest's state in the read model (null until it is there).</summary>
    public async Task<string?> ReadModelStateAsync(string contestId) =>
        await TableExistsAsync("operations.contests")
            ? await ScalarAsync<string?>("SELECT state FROM operations.contests WHERE contest_id = @contestId",
                new { contestId })
            : null;

    public Task WaitAsync(Func<Task<bool>> condition, string what, int seconds = 90) =>
        Eventually.UntilAsync(condition, $"{what} (logs in {WorkDirectory})", TimeSpan.FromSeconds(seconds));

    /// <summary>
    /// Waits until Settlement has closed the contest's accounts (SETTLED or PAID: its fees and pool
    /// paid out; CANCELLED: every fee refunded), as the ledger checks read them; then the whole book
    /// must balance. Returns Settlement's state of the contest.
    /// </summary>
    public async Task<string> LedgerClosedAsync(string contestId)
    {
        await Eventually.UntilAsync(async () =>
        {
            await using var conn = await DataSource.OpenConnectionAsync();
            var state = await conn.ExecuteScalarAsync<string?>(
                "SELECT state FROM settlement.contests WHERE contest_id = @contestId", new { contestId });
            var open = (await LedgerCheckStore.ContestBalancesAsync(conn, contestId)).Where(b => b.BalanceMinor != 0
                && (b.Account == Accounts.EntryFees(contestId) || b.Account == Accounts.PrizePool(contestId)));
            var found = new List<string>(await LedgerCheckStore.ContestAsync(conn, contestId));
            if (state is not ("SETTLED" or "PAID" or "CANCELLED"))
                found.Add($"settlement's state is {state ?? "none"}");
            found.AddRange(open.Select(b => $"{b.Account} is {b.BalanceMinor}"));
            return found;
        }, p => p.Count == 0, $"{contestId}'s accounts closed (logs in {WorkDirectory})", TimeSpan.FromSeconds(120));
        await using var read = await DataSource.OpenConnectionAsync();
        Assert.Empty(await LedgerCheckStore.BookAsync(read));
        return (await read.ExecuteScalarAsync<string>(
            "SELECT state FROM settlement.contests WHERE contest_id = @contestId", new { contestId }))!;
    }

    /// <summary>An operator sent warnings and critical alerts (the default level).</summary>
    public const string OperatorsEmail = "ops@example.test";

    /// <summary>An operator sent critical alerts only.</summary>
    public const string OnCallEmail = "oncall@example.test";

    public const string Game = "g1";
    public static readonly string[] Players = ["ada", "bo", "cy", "di", "ed", "fi"];

    /// <summary>
    /// A fantasy contest from definition to SETTLED: six entries, a top-three table with a tie for
    /// third, every player signed up for payouts. ada's first prize (26.19) is above the review
    /// threshold and waits for two approvers; the others are paid by themselves.
    /// </summary>
    public async Task RunContestToSettledAsync(string contestId, string game = Game)
    {
        foreach (var p in Players) await World.SignUpForPayoutsAsync(p);
        World.Schedule(game, 1, DateTimeOffset.UtcNow.AddMinutes(10), "qb1", "rb1", "wr1", "te1", "k1", "d1");
        await WaitAsync(async () => await TableExistsAsync("ingestion.games")
            && await ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM ingestion.games WHERE game_id = @game)",
                new { game }), "the game scheduled");
        // Long enough for six entries to be verified on a busy machine; the contest locks when the time comes.
        var lockAt = DateTimeOffset.UtcNow.AddSeconds(12);
        World.Define(Fantasy(contestId, lockAt, [game]) with
            { PrizeTable = new PrizeTable(PrizeTableKinds.TopThreeWeighted) });
        await WaitAsync(async () => await ReadModelStateAsync(contestId) == "SCHEDULED", $"{contestId} SCHEDULED");
        var lineups = new Dictionary<string, string[]>
        {
            ["ada"] = ["qb1", "rb1"], ["bo"] = ["qb1", "wr1"], ["cy"] = ["rb1", "wr1"], ["di"] = ["wr1", "rb1"],
            ["ed"] = ["te1", "k1"], ["fi"] = ["te1", "d1"],
        };
        foreach (var (player, lineup) in lineups)
            World.Submit(
                Entry($"s-{contestId}-{player}", contestId, player, World.Pay(contestId, player, Fee), lineup));
        await WaitAsync(async () => await ReadModelStateAsync(contestId) == "LOCKED", $"{contestId} LOCKED");
        World.Start(game, 2);
        World.Stat(game, 3, "qb1", "passing_yards", 750);
        World.Stat(game, 4, "rb1", "rushing_yards", 200);
        World.Stat(game, 5, "wr1", "receiving_yards", 100);
        World.Stat(game, 6, "te1", "receptions", 2);
        World.End(game, 7);
        await WaitAsync(async () => await ReadModelStateAsync(contestId) is "SETTLED" or "PAID",
            $"{contestId} SETTLED", 120);
    }

    public async ValueTask DisposeAsync()
    {
        if (Console is not null) await Console.DisposeAsync();
        foreach (var w in _workers.Values) await w.DisposeAsync();
        World.Dispose();
        await Webhooks.DisposeAsync();
        await Smtp.DisposeAsync();
        await Platform.DisposeAsync();
        await Stripe.DisposeAsync();
        await Broker.DisposeAsync();
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var conn = new NpgsqlConnection(_adminPg);
            await conn.OpenAsync();
            await conn.ExecuteAsync($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
        }
        catch (PostgresException e)
        {
            System.Console.Error.WriteLine($"test database {_database} left behind: {e.MessageText}");
        }
    }
}
