using System.Diagnostics;
using System.Globalization;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts;
using ContestPipeline.Local.Checks;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Payout;
using ContestPipeline.Plumbing;
using ContestPipeline.Scoring.Boards;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using Confluent.Kafka;
using ContestPipeline.Plumbing.Kafka;
using Dapper;
using Npgsql;
using ContestPipeline.Deployment;
using ContestPipeline.Operations.Queries.Ledger;

namespace ContestPipeline.Local.Campaign;

public sealed record CampaignOptions
{
    public int Contests { get; init; } = 100;
    public int EntriesPerContest { get; init; } = 4;
    public int Players { get; init; } = 150;
    /// <summary>Processes of each worker behind the same consumer groups: partitions split between them, and a kill
    /// rebalances them.</summary>
    public int Instances { get; init; } = 1;
    public int Seed { get; init; } = Environment.TickCount & 0x7fff_ffff;
    /// <summary>Mean time between worker kills.</summary>
    public TimeSpan KillEvery { get; init; } = TimeSpan.FromSeconds(3);
    public TimeSpan BrokerFaultEvery { get; init; } = TimeSpan.FromSeconds(6);
    public TimeSpan StripeFaultEvery { get; init; } = TimeSpan.FromMilliseconds(900);
    /// <summary>Mean time between forged prize orders put on payouts.due.</summary>
    public TimeSpan ForgeEvery { get; init; } = TimeSpan.FromSeconds(4);
    public bool RestartPostgres { get; init; } = true;
    /// <summary>
    /// Payout's schema copied once every contest locked (before any prize is ordered) and restored from that copy by
    /// the runbook once Stripe holds a transfer of the slate, while the faults go on (<see cref="WorkerRestore"/>).
    /// </summary>
    public bool RestorePayout { get; init; } = true;
    /// <summary>Give up (and fail) if the slate has not reached PAID or CANCELLED by then.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>Where the run's database, logs and broker live; a fresh database is made each run.</summary>
    public required string AdminConnectionString { get; init; }
    public string Database { get; init; } = "contestpipeline_campaign";
    public required string RunDirectory { get; init; }
    public Action<string> Log { get; init; } = Console.WriteLine;
}

/// <summary>The figures of one run; <see cref="Passed"/> when every invariant held.</summary>
public sealed record CampaignResult(
    int Seed, int Contests, int Entries, int WorkerKills, int CrashPointsArmed, int CrashPointDeaths, int BrokerFaults,
    int StripeFaults, int Stripe409s,
    int PostgresRestarts,
    int TransfersExpected, int TransfersMade, int DuplicateTransfers, int MissingTransfers, int DoubleRefunds,
    int MissingRefunds,
    int LedgerProblems, int PoolMismatches, int HashMismatches, int Unfinished, IReadOnlyList<string> Problems,
    TimeSpan Elapsed)
{
    /// <summary>Forged prize orders sent, dead-lettered as unauthenticated, and paid (by Stripe's own
    /// transfers).</summary>
    public int ForgedSent { get; init; }
    public int ForgedRefused { get; init; }
    public int ForgedPaid { get; init; }
    /// <summary>Processes of each worker the run kept up.</summary>
    public int Instances { get; init; } = 1;
    /// <summary>Restores of a worker's database from an earlier copy, by the runbook.</summary>
    public int Restores { get; init; }
    /// <summary>
    /// Worker processes that stopped by themselves (exit code 1: a bug; an outage is waited out): any fails the run.
    /// </summary>
    public int StoppedOnBug { get; init; }

    public bool Passed => Problems.Count == 0;

    /// <summary>What the figures were counted from, for a caller that wants to count them again itself.</summary>
    public CampaignEvidence? Evidence { get; init; }

    public string Figures => string.Create(CultureInfo.InvariantCulture,
        $"instances {Instances} · contests {Contests} · entries {Entries} · worker kills {WorkerKills} · " +
        $"crash points armed {CrashPointsArmed}, hit {CrashPointDeaths} · broker faults {BrokerFaults} · " +
        $"stripe faults {StripeFaults} · stripe 409s {Stripe409s} · postgres restarts {PostgresRestarts} · " +
        $"restores {Restores} · " +
        $"transfers expected {TransfersExpected} · made {TransfersMade} · " +
        $"duplicate transfers {DuplicateTransfers} · missing {MissingTransfers} · double refunds {DoubleRefunds} · " +
        $"missing refunds {MissingRefunds} · " +
        $"ledger imbalance {LedgerProblems} · pool mismatches {PoolMismatches} · " +
        $"settlement hash mismatches {HashMismatches} · " +
        $"forged refused {ForgedRefused} · forged paid {ForgedPaid} · workers stopped on a bug {StoppedOnBug} · " +
        $"unfinished {Unfinished} · " +
        $"{Elapsed.TotalSeconds:0} s · seed {Seed}");
}

/// <summary>
/// The records a campaign's checks read at the end: Stripe's own transfers, refunds and
/// balance; the prizes Settlement ordered and the refunds Payout was ordered to make; each
/// contest's state in Settlement; the ledger's postings; each ContestSettled published; and
/// how many completed contests had their standings hash recomputed.
/// </summary>
public sealed record CampaignEvidence(
    IReadOnlyList<RecordedTransfer> Transfers,
    IReadOnlyList<RecordedRefund> Refunds,
    long StripeBalanceMinor,
    IReadOnlyList<(string PayoutId, string ContestId, long NetMinor)> PrizesOrdered,
    IReadOnlyList<string> RefundsOrdered,
    IReadOnlyDictionary<string, string> ContestStates,
    IReadOnlyList<(string JournalId, string Account, long AmountMinor, string Currency)> Postings,
    IReadOnlyList<OutsideWorld.Published> Settled,
    int HashesCompared);

/// <summary>
/// Many contests at once through every worker as separate OS processes, while workers are
/// SIGKILLed and restarted (some armed with crash points between a Stripe call and its
/// record, or a commit and its offset), brokers go down and up, partition leaders move,
/// requests fail, Stripe answers 429, 500 and 409 (a key still in flight), runs money requests
/// slowly with their key in flight, drops answers to requests it applied, webhooks arrive
/// twice, late and out of order, Postgres restarts once, and forged prize orders
/// (<see cref="ForgedOrders"/>) land on payouts.due. At the end every invariant is
/// checked against the Stripe server's own records and the ledger (and that no payout or
/// refund moved to a new idempotency key after a 409). The
/// seed fixes the slate and the fault schedule (timing still varies between runs).
/// </summary>
public sealed class FaultCampaign(CampaignOptions o)
{
    private const long Fee = 1_000;
    private readonly Random _random = new(o.Seed);
    private readonly List<string> _problems = [];
    private readonly Dictionary<string, ContestDefined> _contests = [];
    private readonly Dictionary<string, List<string>> _entries = [];
    private readonly Dictionary<(string Game, string Athlete, string Stat), long> _stats = [];
    private int _brokerFaults, _stripeFaults, _postgresRestarts, _restores, _entryCount, _submissions;
    private readonly PostgresCluster _postgres = new(o.AdminConnectionString);

    public async Task<CampaignResult> RunAsync(CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        Directory.CreateDirectory(o.RunDirectory);
        var pg = await LocalPostgres.CreateDatabaseAsync(o.AdminConnectionString, o.Database, dropFirst: true, ct);
        await using var broker = await LocalBrokerProcess.StartAsync(Path.Combine(o.RunDirectory, "broker.json"),
            Path.Combine(o.RunDirectory, "broker.log"));
        await using var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions { Seed = o.Seed }, ct);
        // Every process with its identity from the deployment's definition, after the migrate job, as compose runs
        // them.
        var swaps = LocalSwaps.For(o.RunDirectory, broker, pg, stripe);
        await LocalServices.MigrateAsync(swaps, ct);
        await using var webhooks = await LocalWebhooks.StartAsync(swaps, ct);
        using var world = new OutsideWorld(broker.BootstrapServers, stripe);
        await using var db = NpgsqlDataSource.Create(pg);
        await using var fleet = new WorkerFleet(swaps, PayoutSettings(), Path.Combine(o.RunDirectory, "workers"),
            new Random(o.Seed + 1), o.Instances);
        fleet.StartAll();
        o.Log($"[campaign] seed {o.Seed}: {o.Contests} contests × {o.EntriesPerContest} entries, "
            + $"{o.Instances} instance(s) of each worker; broker {broker.BootstrapServers}, Stripe {stripe.BaseUrl}; "
            + $"logs in {o.RunDirectory}");

        var players = Enumerable.Range(1, o.Players).Select(i => $"p{i:000}").ToList();
        foreach (var p in players) await world.SignUpForPayoutsAsync(p);
        o.Log($"[campaign] {players.Count} players signed up for payouts");

        // The contests are defined before the faults start: a definition must reach Ingestion
        // before its lock time, and how long a killed worker takes to come back on a busy
        // machine is not what the campaign is about. Entries, play, settlement and payouts run
        // under fire.
        var lockAt = await DefineSlateKeepingUpAsync(fleet, world, db, players, ct);
        using var forger = new ForgedOrders(broker.BootstrapServers, world, [.. _contests.Keys], players,
            new Random(o.Seed + 3))
        {
            Witness = (partition, offset) => PayoutsWitness(db, broker.BootstrapServers, partition, offset),
        };
        using var chaos = new CancellationTokenSource();
        var faults = Task.Run(() => ChaosAsync(fleet, broker, stripe, chaos.Token), CancellationToken.None);
        var forging = Task.Run(() => forger.RunAsync(o.ForgeEvery, o.Log, chaos.Token), CancellationToken.None);
        var restore = o.RestorePayout ? new WorkerRestore(swaps, fleet, Workers.Payout.Name, o.Log) : null;
        var ended = new TaskCompletionSource();
        Task? restoring = null;
        var unfinished = -1;
        try
        {
            await PlaySlateAsync(world, db, lockAt, restore, ct);
            if (restore is not null)
                restoring = Task.Run(() => RestoreAfterATransferAsync(restore, stripe, ended.Task, ct), ct);
            unfinished = await WaitForEndAsync(db, watch, ct);
        }
        finally
        {
            ended.TrySetResult();
            await chaos.CancelAsync();
            await faults;
            await forging;
        }

        // The quiet end: no faults, every broker up, every worker running without crash points.
        stripe.ClearFaults();
        stripe.ReleaseWebhooks(WebhookOrder.Shuffled, o.Seed);
        for (var b = 1; b <= 3; b++) await broker.Control.BrokerUpAsync(b);
        if (restoring is not null) await RestoredAsync(restoring, db, ct);
        _restores = restore?.Restores ?? 0;
        await fleet.CalmAsync();
        if (unfinished != 0) unfinished = await WaitForEndAsync(db, watch, ct, quiet: true);
        await SettleDownAsync(db, ct);
        // Every contest is paid: now a replay has genuine orders of every contest to copy.
        await forger.SendOneOfEachAsync(o.Log, ct);
        return await CheckAsync(world, stripe, db, fleet, forger, unfinished, watch);
    }

    /// <summary>Payout's settings for the campaign: short retries, leases and rechecks, and no limits.</summary>
    private static Dictionary<string, string?> PayoutSettings()
    {
        var env = new Dictionary<string, string?>
        {
            [PayoutOptions.Settings.RetryDelayBaseMs] = "300",
            [PayoutOptions.Settings.LeaseMs] = "3000",
            [PayoutOptions.Settings.AccountRecheckMs] = "1000",
        };
        // The campaign is about faults, not limits: no prize waits for an operator.
        foreach (var (k, v) in PayoutLimitsOff.Settings) env[k] = v;
        return env;
    }

    /// <summary>
    /// <see cref="DefineSlateAsync"/>, while a worker that could not start (Postgres slow to answer on a busy
    /// machine) is started again; returns the lock time.
    /// </summary>
    private async Task<DateTimeOffset> DefineSlateKeepingUpAsync(WorkerFleet fleet, OutsideWorld world,
        NpgsqlDataSource db, List<string> players, CancellationToken ct)
    {
        using var settingUp = new CancellationTokenSource();
        var keepUp = Task.Run(() => KeepUpAsync(fleet, settingUp.Token), CancellationToken.None);
        try
        {
            return await DefineSlateAsync(world, db, players, ct);
        }
        finally
        {
            await settingUp.CancelAsync();
            await keepUp;
        }
    }

    // ---- the slate -----------------------------------------------------------------------

    /// <summary>Schedules the games, then defines the contests with a lock time counted from when the games are in;
    /// returns it.</summary>
    private async Task<DateTimeOffset> DefineSlateAsync(OutsideWorld world, NpgsqlDataSource db, List<string> players,
        CancellationToken ct)
    {
        // Games start an hour out (they are started by hand after the lock); the lock is set
        // once Ingestion has them, so the time it took to get there is not taken from it.
        var gamesStartAt = DateTimeOffset.UtcNow + TimeSpan.FromHours(1);
        var fields = new List<(string Contest, List<string> Field)>();
        for (var c = 0; c < o.Contests; c++)
        {
            var contest = $"c{c:000}";
            var field = players.OrderBy(_ => _random.Next()).Take(o.EntriesPerContest).ToList();
            world.Schedule("g-" + contest, 1, gamesStartAt, [.. field]);
            fields.Add((contest, field));
        }
        await WaitAsync(db, "the feed to schedule every game",
            $"SELECT count(*) >= {o.Contests} FROM ingestion.games WHERE status = 'scheduled'", ct);

        // Time to verify every payment under fire; entries that miss the lock are refunded, which
        // the checks cover too. Half a second an entry for a small slate; a large one grows by a
        // twentieth of a second an entry past two minutes (Ingestion decides thousands a second from
        // Stripe's events: 10,000 entries lock after about six minutes, not eighty-four).
        var entries = o.Contests * o.EntriesPerContest;
        var lockAt = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(25 + Math.Min(entries / 2, 120 + entries / 50));
        for (var c = 0; c < o.Contests; c++)
        {
            var (contest, field) = fields[c];
            // One contest in ten needs more entries than it gets: CANCELLED at lock, every entry refunded.
            var minEntries = c % 10 == 9 ? o.EntriesPerContest + 1 : 2;
            var table = (c % 3) switch
            {
                0 => new PrizeTable(PrizeTableKinds.WinnerTakesAll),
                1 => new PrizeTable(PrizeTableKinds.TopThreeWeighted),
                _ => new PrizeTable(PrizeTableKinds.TopThreeEqual),
            };
            _contests[contest] = new ContestDefined(contest, $"Campaign contest {c}", ContestKinds.Fitness, "USD", Fee,
                minEntries, 1_000, 1, lockAt,
                ["g-" + contest], [new ScoringRule("steps", 1)], 0, table, new PoolRule(PoolModes.Rake, 1_000), 300);
            _entries[contest] = field;
        }
        foreach (var d in _contests.Values) world.Define(d);
        await WaitAsync(db, "every contest to be scheduled",
            $"SELECT count(*) >= {o.Contests} FROM ingestion.contests", ct);
        return lockAt;
    }

    private async Task PlaySlateAsync(OutsideWorld world, NpgsqlDataSource db, DateTimeOffset lockAt,
        WorkerRestore? restore, CancellationToken ct)
    {
        foreach (var (contest, field) in _entries)
        {
            for (var i = 0; i < field.Count; i++)
            {
                var payment = world.Pay(contest, field[i], Fee);
                world.Submit(new EntrySubmitted($"{contest}-{i}", contest, field[i], payment, null));
                _submissions++;
                if (_random.Next(10) == 0)
                {
                    world.Submit(new EntrySubmitted($"{contest}-{i}-again", contest, field[i],
                        payment, null)); // same payment twice
                    _submissions++;
                }
                _entryCount++;
            }
        }
        o.Log($"[campaign] {_entryCount} entries submitted; contests lock at {lockAt:HH:mm:ss}");

        // Play starts once every contest has locked (or been cancelled under-filled), as the
        // referee decides it under fire, not at a time guessed from the lock time.
        await WaitAsync(db, "every contest to lock or be cancelled at its lock",
            $"SELECT count(*) >= {o.Contests} FROM scoring.contests WHERE state <> 'SCHEDULED'", ct,
            lockAt - DateTimeOffset.UtcNow);
        // The copy a restore goes back to: every entry decided, no game played, no prize ordered.
        if (restore is not null) await restore.CopyAsync(ct);
        foreach (var (contest, field) in _entries)
        {
            var game = "g-" + contest;
            world.Start(game, 2);
            var seq = 3L;
            foreach (var player in field)
                Stat(world, game, seq++, player, 5_000 + _random.Next(5_000), correction: false);
            // A correction before COMPLETE, and a tie for the lead now and then.
            var lucky = field[_random.Next(field.Count)];
            Stat(world, game, seq++, lucky, 10_000 + _random.Next(3) * 100, correction: true);
            world.End(game, seq);
        }
        o.Log("[campaign] every game played and ended");
    }

    private void Stat(OutsideWorld world, string game, long seq, string athlete, long value, bool correction)
    {
        _stats[(game, athlete, "steps")] = value;
        if (correction) world.Correct(game, seq, athlete, "steps", value);
        else world.Stat(game, seq, athlete, "steps", value);
    }

    /// <summary>
    /// Waits until every submission has had its answer, every contest is PAID or CANCELLED and
    /// every refund ordered (by Ingestion or Settlement) is made; returns how many of those are
    /// still open.
    /// </summary>
    private async Task<int> WaitForEndAsync(NpgsqlDataSource db, Stopwatch watch, CancellationToken ct,
        bool quiet = false)
    {
        var deadline = quiet ? watch.Elapsed + TimeSpan.FromMinutes(3) : o.Timeout;
        var last = -1;
        while (true)
        {
            int open;
            try
            {
                await using var conn = await db.OpenConnectionAsync(ct);
                open = await conn.ExecuteScalarAsync<int>("""
                    SELECT (SELECT count(*) FROM settlement.contests WHERE state NOT IN ('PAID', 'CANCELLED'))
                         + (SELECT @contests - count(*) FROM settlement.contests)
                         + (SELECT count(*) FROM ingestion.refund_orders)
                         + (SELECT count(*) FROM settlement.refund_orders)
                         - (SELECT count(*) FROM payout.refunds WHERE state = 'refunded')
                         + greatest(0, @submissions - (SELECT count(*) FROM ingestion.inbox WHERE topic = 'entries'))
                    """, new { contests = o.Contests, submissions = _submissions });
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                open = -1;   // Postgres is restarting, or a schema is not there yet
            }
            if (open == 0) return 0;
            if (open != last) o.Log($"[campaign] {watch.Elapsed.TotalSeconds,5:0}s  "
                + $"{(open < 0 ? "waiting for the database" : $"{open} submissions, contests or refunds still open")}");
            last = open;
            if (watch.Elapsed > deadline) return Math.Max(open, 1);
            await Task.Delay(1_000, ct);
        }
    }

    /// <summary>
    /// The restore, once Stripe holds a transfer of the slate (a prize paid after the copy, which the restored schema
    /// says was never sent), or at the end of the slate if none came.
    /// </summary>
    private static async Task RestoreAfterATransferAsync(WorkerRestore restore, StripeEmulator stripe, Task ended,
        CancellationToken ct)
    {
        while (stripe.Ledger().Transfers.Count == 0 && !ended.IsCompleted) await Task.Delay(200, ct);
        await restore.RestoreAsync(ct);
    }

    /// <summary>
    /// Waits for the restore made and the restored worker caught up: the restore reconciled with Stripe, and every
    /// prize Settlement ordered paid in Payout's records again; a problem of the run when not.
    /// </summary>
    private async Task RestoredAsync(Task restoring, NpgsqlDataSource db, CancellationToken ct)
    {
        try
        {
            await restoring;
            await WaitAsync(db, "the restored Payout reconciled with Stripe and every prize paid in its records",
                """
                SELECT NOT EXISTS (SELECT 1 FROM payout.restores WHERE reconciled_at IS NULL)
                   AND (SELECT count(*) FROM payout.payouts WHERE state = 'paid')
                       >= (SELECT count(*) FROM settlement.payouts WHERE net_minor > 0)
                """, ct);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or NpgsqlException)
        {
            _problems.Add("restore: " + e.Message);
        }
    }

    /// <summary>Lets the relays drain: every outbox row published.</summary>
    private static async Task SettleDownAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        await using var conn = await db.OpenConnectionAsync(ct);
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            var pending = 0L;
            foreach (var schema in Workers.Names)
                pending += await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM {schema}.outbox_unsent");
            if (pending == 0) return;
            await Task.Delay(500, ct);
        }
    }

    /// <summary>Waits until <paramref name="sql"/> holds: three minutes, after <paramref name="until"/> more when given
    /// (a lock still ahead).</summary>
    private static async Task WaitAsync(NpgsqlDataSource db, string what, string sql, CancellationToken ct,
        TimeSpan? until = null)
    {
        var watch = Stopwatch.StartNew();
        var timeout = TimeSpan.FromMinutes(3) + (until is { } u && u > TimeSpan.Zero ? u : TimeSpan.Zero);
        while (watch.Elapsed < timeout)
        {
            try
            {
                await using var conn = await db.OpenConnectionAsync(ct);
                if (await conn.ExecuteScalarAsync<bool>(sql)) return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
            {
            }
            catch (NpgsqlException)
            {
            }
            await Task.Delay(200, ct);
        }
        throw new TimeoutException("timed out waiting for " + what);
    }

    /// <summary>Starts again whatever worker is down, until cancelled (before the faults, which then do it).</summary>
    private static async Task KeepUpAsync(WorkerFleet fleet, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await fleet.ReviveAsync();
            try { await Task.Delay(200, ct); } catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>How often a worker's log says its lifecycle consumer was assigned partitions.</summary>
    private static int AssignmentsIn(string log)
    {
        try
        {
            using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            const string assigned = "Consumer scoring.lifecycle assigned";
            return text.Split('\n').Count(l => l.Contains(assigned, StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Whether a worker's log says its lifecycle consumer holds partitions now: its last
    /// assignment is not followed by a revocation.
    /// </summary>
    private static bool HoldsPartitions(string? log)
    {
        if (log is null) return false;
        try
        {
            using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var last = reader.ReadToEnd().Split('\n').LastOrDefault(l =>
                l.Contains("Consumer scoring.lifecycle assigned", StringComparison.Ordinal)
                || l.Contains("Consumer scoring.lifecycle revoked", StringComparison.Ordinal));
            return last?.Contains("Consumer scoring.lifecycle assigned", StringComparison.Ordinal) == true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    // ---- faults ----------------------------------------------------------------------------

    private async Task ChaosAsync(WorkerFleet fleet, LocalBrokerProcess broker, StripeEmulator stripe,
        CancellationToken ct)
    {
        var random = new Random(o.Seed + 2);
        var next = new Dictionary<string, TimeSpan> { ["kill"] = o.KillEvery, ["broker"] = o.BrokerFaultEvery,
            ["stripe"] = o.StripeFaultEvery };
        var watch = Stopwatch.StartNew();
        var postgresAt = TimeSpan.FromSeconds(40);
        string[] stripePaths = ["/v1/transfers", "/v1/refunds", "/v1/payment_intents", "/v1/balance", "/v1/accounts"];
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await fleet.ReviveAsync();
                var now = watch.Elapsed;
                if (now >= next["kill"])
                {
                    o.Log($"[chaos] SIGKILL {await fleet.KillRandomAsync()}");
                    next["kill"] = now + Jitter(random, o.KillEvery);
                }
                if (now >= next["broker"])
                {
                    await BrokerFaultAsync(broker, random, ct);
                    next["broker"] = now + Jitter(random, o.BrokerFaultEvery);
                }
                if (now >= next["stripe"])
                {
                    StripeFault(stripe, random, stripePaths);
                    next["stripe"] = now + Jitter(random, o.StripeFaultEvery);
                }
                if (o.RestartPostgres && _postgresRestarts == 0 && now >= postgresAt)
                {
                    o.Log("[chaos] restarting PostgreSQL");
                    await _postgres.RestartAsync();
                    _postgresRestarts++;
                }
                if (o.RestartPostgres && _postgresRestarts == 1 && now >= postgresAt * 2)
                {
                    await RestartDuringRebalanceAsync(fleet, random, ct);
                    _postgresRestarts++;
                }
                await Task.Delay(100, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException) when (broker.Process.HasExited)
            {
                // The broker holds every topic in memory: without it the campaign cannot go on.
                var last = File.ReadLines(broker.Process.LogPath).LastOrDefault(l => l.Length > 0);
                throw new InvalidOperationException(
                    $"the local broker exited (code {broker.Process.ExitCode}) mid-campaign; its last log line: "
                        + $"{last}; see {broker.Process.LogPath}");
            }
        }
    }

    private static TimeSpan Jitter(Random random, TimeSpan mean) => mean * (0.5 + random.NextDouble());

    private async Task BrokerFaultAsync(LocalBrokerProcess broker, Random random, CancellationToken ct)
    {
        _brokerFaults++;
        switch (random.Next(3))
        {
            case 0:
                var id = 1 + random.Next(3);
                o.Log($"[chaos] broker {id} down");
                await broker.Control.BrokerDownAsync(id);
                await Task.Delay(1_000 + random.Next(2_000), ct);
                await broker.Control.BrokerUpAsync(id);
                break;
            case 1:
                string[] topics = [Topics.Entries, Topics.ContestLifecycle, Topics.PayoutsDue, Topics.PayoutsStatus,
                    Topics.StripeEvents, Topics.Games, Topics.Standings];
                var topic = topics[random.Next(topics.Length)];
                var partition = random.Next(Topics.PartitionCountDefault);
                var leader = 1 + random.Next(3);
                o.Log($"[chaos] leader of {topic}/{partition} moves to broker {leader}");
                await broker.Control.SetLeaderAsync(topic, partition, leader);
                break;
            default:
                // Produce (0) or Fetch (1) answered with retriable errors: NOT_LEADER_OR_FOLLOWER (6),
                // REQUEST_TIMED_OUT (7).
                var api = (short)random.Next(2);
                o.Log($"[chaos] {(api == 0 ? "produce" : "fetch")} requests fail (NOT_LEADER, TIMED_OUT)");
                await broker.Control.PushRequestErrorsAsync(api, 6, 7, 6);
                break;
        }
    }

    private void StripeFault(StripeEmulator stripe, Random random, string[] paths)
    {
        _stripeFaults++;
        var path = paths[random.Next(paths.Length)];
        var money = random.Next(2) == 0 ? "/v1/transfers" : "/v1/refunds";
        switch (random.Next(8))
        {
            case 6:
                // 409: Stripe still processing a request with the key; retried under the same key.
                stripe.InjectFault(
                    new StripeFault(StripeFaultKind.KeyInFlight, "POST", money, Count: 1 + random.Next(6)));
                break;
            case 7:
                // A slow request holds its key in flight: a worker killed meanwhile comes back to a 409.
                stripe.InjectFault(new StripeFault(StripeFaultKind.SlowExecution, "POST", money,
                    Delay: TimeSpan.FromMilliseconds(1_000 + random.Next(4_000))));
                break;
            case 0: stripe.InjectFault(
                new StripeFault(StripeFaultKind.RateLimited, "*", path, Count: 1 + random.Next(3))); break;
            case 1: stripe.InjectFault(
                new StripeFault(StripeFaultKind.ServerError, "*", path, Count: 1 + random.Next(3))); break;
            case 2: stripe.InjectFault(new StripeFault(StripeFaultKind.AppliedThenDropped, "POST",
                random.Next(2) == 0 ? "/v1/transfers" : "/v1/refunds")); break;
            case 3:
                // Webhooks late and out of order: held for a moment, then released shuffled.
                stripe.HoldWebhooks();
                _ = Task.Delay(1_500 + random.Next(2_000)).ContinueWith(_ =>
                    stripe.ReleaseWebhooks(WebhookOrder.Shuffled, random.Next()), TaskScheduler.Default);
                break;
            default:
                // A webhook delivered again, as Stripe does when unsure.
                var events = stripe.Events();
                if (events.Count > 0)
                    stripe.RedeliverEvent(events[random.Next(events.Count)].Id,
                        TimeSpan.FromMilliseconds(random.Next(3_000)));
                break;
        }
    }

    /// <summary>
    /// PostgreSQL goes away while a consumer group rebalances: it is stopped, a Scoring process
    /// that holds partitions (which carry in-memory boards loaded from the database when they are
    /// assigned) is SIGKILLed, and Postgres starts again only once the group has handed its partitions to
    /// the other (its log says so; the dead member's session times out in 6 s), so that the
    /// assignment meets the database away. With one instance the revived process starts into the
    /// outage instead (9 s), and every other worker waits it out.
    /// </summary>
    private async Task RestartDuringRebalanceAsync(WorkerFleet fleet, Random random, CancellationToken ct)
    {
        var killed = 1 + random.Next(o.Instances);
        if (o.Instances > 1)
        {
            // Only killing a process that holds partitions moves any, and only to a process in the
            // group: one just revived (a random kill's) may hold none yet, or still be starting
            // (it needs the database to start, and would join only after the outage). So first
            // every instance is up and holds partitions (at most 30 s).
            var wait = Stopwatch.StartNew();
            while (!Enumerable.Range(1, o.Instances).All(i => HoldsPartitions(fleet.LogOf("scoring", i)))
                   && wait.Elapsed < TimeSpan.FromSeconds(30))
            {
                await fleet.ReviveAsync();
                await Task.Delay(200, ct);
            }
            if (!HoldsPartitions(fleet.LogOf("scoring", killed)))
            {
                var holder = Enumerable.Range(1, o.Instances)
                    .FirstOrDefault(i => HoldsPartitions(fleet.LogOf("scoring", i)));
                if (holder > 0) killed = holder;
            }
        }
        var survivor = o.Instances > 1 ? fleet.LogOf("scoring", killed == 1 ? 2 : 1) : null;
        var seen = survivor is null ? 0 : AssignmentsIn(survivor);
        o.Log("[chaos] PostgreSQL stopped for a rebalance");
        await _postgres.StopAsync();
        try
        {
            o.Log($"[chaos] SIGKILL {await fleet.KillAsync("scoring", killed)} while PostgreSQL is down");
            var until = Stopwatch.StartNew();
            while (until.Elapsed < TimeSpan.FromSeconds(survivor is null ? 9 : 45)
                   && (survivor is null || AssignmentsIn(survivor) <= seen))
                await Task.Delay(200, ct);
            if (survivor is not null)
                o.Log($"[chaos] the other Scoring process was {(AssignmentsIn(survivor) > seen ? "" : "not ")}"
                    + "assigned partitions while PostgreSQL was down");
        }
        finally
        {
            await _postgres.StartAsync();
            o.Log("[chaos] PostgreSQL started again");
        }
    }

    // ---- the invariants --------------------------------------------------------------------

    /// <summary>
    /// What Payout made of the record at payouts.due/partition@offset: its inbox row for that place, the dead
    /// letter it wrote for it and whether that went out, and how far its orders group has committed.
    /// </summary>
    private static string PayoutsWitness(NpgsqlDataSource db, string bootstrapServers, int partition, long offset)
    {
        var group = Workers.Payout.Name + ".orders";
        using var conn = db.OpenConnection();
        var inbox = conn.Query<(string Consumer, string MessageId, string Outcome)>(
            "SELECT consumer, message_id, outcome FROM payout.inbox WHERE topic = @t AND kafka_partition = @p "
                + "AND kafka_offset = @o",
            new { t = Topics.PayoutsDue, p = partition, o = offset }).ToList();
        var letters = conn.Query<(string MessageId, bool Sent)>(
            "SELECT message_id, message_id NOT IN (SELECT message_id FROM payout.outbox_unsent) FROM payout.outbox "
                + "WHERE message_id LIKE @pattern",
            new { pattern = string.Create(CultureInfo.InvariantCulture,
                $"dlq:%:{Topics.PayoutsDue}/{partition}@{offset}") }).ToList();
        var config = KafkaClients.ConsumerConfig(bootstrapServers, group);
        using var consumer = KafkaClients.ConsumerBuilder(config,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).Build();
        var committed = consumer.Committed([new TopicPartition(Topics.PayoutsDue, partition)],
            TimeSpan.FromSeconds(10));
        return "Payout's inbox: " + (inbox.Count == 0 ? "no row for that place"
                : string.Join(", ", inbox.Select(i => $"{i.Consumer} {i.MessageId} {i.Outcome}")))
            + "; its dead letters for it: " + (letters.Count == 0 ? "none"
                : string.Join(", ", letters.Select(l => $"{l.MessageId} {(l.Sent ? "sent" : "unsent")}")))
            + $"; {group} committed {Topics.PayoutsDue}/{partition} at {committed[0].Offset}";
    }

    private async Task<CampaignResult> CheckAsync(OutsideWorld world, StripeEmulator stripe, NpgsqlDataSource db,
        WorkerFleet fleet, ForgedOrders forger,
        int unfinished, Stopwatch watch)
    {
        // 6. Only an order the pipeline made moves money: every forged order refused as unauthenticated, none paid.
        var (forgedRefused, forgedPaid, forgedProblems) = await forger.CheckAsync(stripe.Ledger().Transfers,
            TimeSpan.FromSeconds(90), CancellationToken.None);
        foreach (var p in forgedProblems) Require(false, p);
        Require(forgedPaid == 0, $"{forgedPaid} forged orders paid");
        var elapsed = watch.Elapsed;

        await using var conn = await db.OpenConnectionAsync();
        var ledger = stripe.Ledger();

        // 1. No payout transferred twice; no winner unpaid.
        var transfers = await MoneyInvariants.TransfersAsync(conn, ledger.Transfers);
        Require(transfers.Duplicates == 0, $"{transfers.Duplicates} duplicate transfers");
        Require(transfers.Missing == 0, $"{transfers.Missing} prizes without their transfer");
        Require(transfers.Stray == 0, $"{transfers.Stray} transfers that no prize ordered");

        // 2. No entry fee refunded twice; every refund ordered was made.
        var refunds = await MoneyInvariants.RefundsAsync(conn, ledger.Refunds);
        Require(refunds.Duplicates == 0, $"{refunds.Duplicates} double refunds");
        Require(refunds.Missing == 0, $"{refunds.Missing} refunds ordered and never made");

        // 3. Payouts + platform fees + rake = entry fees kept, per contest, against Stripe's transfers.
        var poolMismatches = MoneyInvariants.Pools(world.Read(Topics.ContestLifecycle), ledger.Transfers)
            .Count(p => !p.Holds);
        Require(poolMismatches == 0,
            $"{poolMismatches} contests whose transfers, fees and rake do not make their entry fees");

        var (ledgerProblems, balance) = await LedgerProblemsAsync(conn, stripe);
        foreach (var p in ledgerProblems) Require(false, "ledger: " + p);

        // Stripe's 409 (a key still in flight) is retried under the same key: no payout or refund
        // may send under another key after one, only after a refusal with Stripe's final answer.
        var (conflicts, movedAfter409) = KeysAfterConflicts(stripe.Requests());
        Require(movedAfter409.Count == 0, $"{movedAfter409.Count} payouts moved to a new idempotency key after a 409: "
            + $"{string.Join(", ", movedAfter409.Take(5))}");

        var (hashMismatches, hashesCompared) = await CompareStandingsHashesAsync(conn);
        Require(hashMismatches == 0, $"{hashMismatches} settlement hash mismatches");
        Require(unfinished == 0, $"{unfinished} submissions, contests or refunds never finished");
        // A worker that stopped on a bug is a failure even if everything else came out right.
        foreach (var stop in fleet.StoppedOnBug) Require(false, "a worker stopped on a bug: " + stop);

        var evidence = await EvidenceAsync(conn, world, ledger, balance, hashesCompared);
        return new CampaignResult(o.Seed, o.Contests, _entryCount, fleet.Kills, fleet.ArmedCrashPoints,
            Math.Max(0, fleet.Restarts - fleet.Kills), _brokerFaults, _stripeFaults,
            conflicts, _postgresRestarts,
            transfers.Ordered, transfers.Made, transfers.Duplicates, transfers.Missing, refunds.Duplicates,
            refunds.Missing,
            ledgerProblems.Count, poolMismatches, hashMismatches, unfinished, _problems, elapsed)
        {
            Evidence = evidence, ForgedSent = forger.Sent, ForgedRefused = forgedRefused, ForgedPaid = forgedPaid,
            Instances = o.Instances, Restores = _restores,
            StoppedOnBug = fleet.StoppedOnBug.Count,
        };
    }

    /// <summary>
    /// The ledger: balanced, closed for every contest as its state requires, and equal to Stripe's balance; what is
    /// wrong with it, and Stripe's balance.
    /// </summary>
    private async Task<(List<string> Problems, long Balance)> LedgerProblemsAsync(NpgsqlConnection conn,
        StripeEmulator stripe)
    {
        var ledgerProblems = new List<string>(await LedgerCheckStore.BookAsync(conn));
        foreach (var contest in _contests.Keys)
            ledgerProblems.AddRange(await LedgerCheckStore.ContestAsync(conn, contest));
        var (book, balance) = await MoneyInvariants.StripeBalanceAsync(conn, stripe, "usd");
        if (book != balance)
            ledgerProblems.Add($"the ledger's Stripe balance {book} is not Stripe's {balance}");
        return (ledgerProblems, balance);
    }

    /// <summary>
    /// 5. The standings: every contest's hash equals the scoring engine's recomputation from the inputs sent. How
    /// many did not (each a problem, with what differs), of how many compared.
    /// </summary>
    private async Task<(int Mismatches, int Compared)> CompareStandingsHashesAsync(NpgsqlConnection conn)
    {
        var hashMismatches = 0;
        var hashesCompared = 0;
        var accepted = (await conn.QueryAsync<(string ContestId, string EntryId, string PlayerId)>(
            "SELECT contest_id, entry_id, player_id FROM settlement.entries")).ToLookup(e => e.ContestId);
        foreach (var (id, definition) in _contests)
        {
            var stored = await conn.QueryFirstOrDefaultAsync<string?>("SELECT standings_hash FROM scoring.contests "
                + "WHERE contest_id = @id AND state = 'COMPLETE'", new { id });
            if (stored is null) continue;   // cancelled
            hashesCompared++;
            var board = new ContestBoard(definition);
            foreach (var e in accepted[id]) board.AddEntry(e.EntryId, e.PlayerId, null);
            foreach (var ((game, athlete, stat), value) in _stats.Where(s => s.Key.Game == "g-" + id))
                board.ApplyStat(game, athlete, stat, value);
            if (board.StandingsHash() == stored) continue;
            hashMismatches++;
            _problems.Add(await HashMismatchAsync(conn, id, accepted[id].Select(e => e.EntryId)));
        }
        return (hashMismatches, hashesCompared);
    }

    /// <summary>What the campaign's checks read, kept for the tests to check again.</summary>
    private static async Task<CampaignEvidence> EvidenceAsync(NpgsqlConnection conn, OutsideWorld world,
        StripeEmulatorLedger ledger, long balance, int hashesCompared) =>
        new(ledger.Transfers, ledger.Refunds, balance,
            [.. await conn.QueryAsync<(string, string, long)>(
                "SELECT payout_id, contest_id, net_minor FROM settlement.payouts WHERE net_minor > 0")],
            [.. await conn.QueryAsync<string>("SELECT payment_intent_id FROM payout.refunds")],
            (await conn.QueryAsync<(string Id, string State)>("SELECT contest_id, state FROM settlement.contests"))
                .ToDictionary(c => c.Id, c => c.State),
            [.. await conn.QueryAsync<(string, string, long, string)>(
                "SELECT journal_id, account, amount_minor, currency FROM settlement.postings")],
            [.. world.Read(Topics.ContestLifecycle).Where(m => m.Type == ContestSettled.MessageType)],
            hashesCompared);

    /// <summary>How many money requests Stripe answered 409, and which payouts sent under another key after
    /// one.</summary>
    private static (int Conflicts, List<string> Moved) KeysAfterConflicts(IReadOnlyList<RecordedRequest> requests)
    {
        var posts = requests.Where(r => r.Method == "POST" && r.Path is "/v1/transfers" or "/v1/refunds"
            && r.IdempotencyKey is not null).ToList();
        static string Subject(string key) => key.Split(':')[0];
        var moved = new List<string>();
        for (var i = 0; i < posts.Count; i++)
        {
            if (posts[i].Status != 409) continue;
            var key = posts[i].IdempotencyKey!;
            if (posts.Skip(i + 1).Any(p => Subject(p.IdempotencyKey!) == Subject(key) && p.IdempotencyKey != key
                && !moved.Contains(Subject(key))))
                moved.Add(Subject(key));
        }
        return (posts.Count(p => p.Status == 409), moved);
    }

    /// <summary>What the referee scored that the recomputation did not: its entries and its stat values against
    /// Settlement's and those sent.</summary>
    private async Task<string> HashMismatchAsync(NpgsqlConnection conn, string contest, IEnumerable<string> settled)
    {
        var scored = (await conn.QueryAsync<string>("SELECT entry_id FROM scoring.entries WHERE contest_id = @contest",
            new { contest })).ToHashSet(StringComparer.Ordinal);
        var settledSet = settled.ToHashSet(StringComparer.Ordinal);
        var game = "g-" + contest;
        var values = (await conn.QueryAsync<(string Athlete, string Stat, long Value)>(
            "SELECT athlete_id, stat, value FROM scoring.stat_values WHERE game_id = @game", new { game }))
            .ToDictionary(v => (v.Athlete, v.Stat), v => v.Value);
        var sent = _stats.Where(s => s.Key.Game == game).ToDictionary(s => (s.Key.Athlete, s.Key.Stat), s => s.Value);
        var statDiffs = sent.Where(s => values.GetValueOrDefault(s.Key, long.MinValue) != s.Value)
            .Select(s => $"{s.Key.Athlete}/{s.Key.Stat} sent {s.Value}, "
                + $"held {(values.TryGetValue(s.Key, out var v) ? v : "none")}")
            .Concat(values.Keys.Where(k => !sent.ContainsKey(k)).Select(k => $"{k.Athlete}/{k.Stat} held, never sent"));
        return $"contest {contest}'s standings hash is not the recomputation's: "
            + $"scored only [{string.Join(", ", scored.Except(settledSet))}], "
            + $"settled only [{string.Join(", ", settledSet.Except(scored))}], stats [{string.Join("; ", statDiffs)}]";
    }

    private void Require(bool ok, string problem)
    {
        if (!ok) _problems.Add(problem);
    }
}
