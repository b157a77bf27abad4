using System.Text.RegularExpressions;
using ContestPipeline.Deployment;
using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Ingestion.Entries;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ContestPipeline.Local.Bench;

/// <summary>
/// cpdev bench entries: a lock-time rush through the real workers (ingestion and scoring as
/// processes), the local broker, the Stripe-compatible server enforcing a request limit, and the
/// webhook receiver forwarding Stripe's signed events. N paid submissions for one contest are
/// offered evenly over the last W seconds before lock (each a PaymentIntent that succeeded just
/// before its submission, as checkout does); prints accepted, rejected by reason, refunded for
/// lateness (of those made before lock: always 0, however long deciding takes), sustained
/// entries/s, how many were decided after lock, time from lock to LOCKED, and the Stripe requests made.
/// Before the window, a warm-up (<c>--warm-up</c>, 5,000 by default; 0 for none) of paid submissions for another
/// contest is decided and not measured: on a Sunday the workers have been deciding entries all week.
/// With <c>--every-worker</c>, the other workers that read the rush's messages run beside them on the same
/// cores, as they do in production: Settlement books every accepted entry's fee, Payout records every
/// payment, Operations (the read model) both.
/// </summary>
public static class EntriesBenchCommand
{
    private const string ContestId = "bench-rush";
    private const string WarmContestId = "bench-warm";
    private const string Database = "contestpipeline_bench_entries";
    private const long Fee = 1_000;

    public static async Task<BenchReport?> RunAsync(int submissions, int windowSeconds, int stripeRps, bool everyWorker,
        int warmUp, CancellationToken ct)
    {
        PrintHeader(submissions, windowSeconds, stripeRps, everyWorker);
        if (await BenchSetup.PrepareAsync("entries", Database, ct) is not { } prepared) return null;
        var (pg, runDir) = prepared;
        await using var broker = await LocalBrokerProcess.StartAsync(Path.Combine(runDir, "broker.json"),
            Path.Combine(runDir, "broker.log"));
        await using var stripe =
            await StripeEmulator.StartAsync(new StripeEmulatorOptions { RequestsPerSecondMax = stripeRps });
        var swaps = LocalSwaps.For(runDir, broker, pg, stripe);
        await LocalServices.MigrateAsync(swaps, ct);
        await using var receiver = await LocalWebhooks.StartAsync(swaps, ct);

        // Each worker with its identity; ingestion is the only process calling Stripe here: the whole account budget is
        // its own.
        await using var ingestion = LocalServices.Start(Services.Ingestion, swaps,
            Path.Combine(runDir, "ingestion.log"), WholeBudget(stripeRps));
        await using var scoring = LocalServices.Start(Services.Scoring, swaps, Path.Combine(runDir, "scoring.log"));
        // Null (nothing started, nothing to dispose) unless --every-worker. Payout has no payouts due here: it sends
        // Stripe nothing.
        ChildProcess? Beside(ServiceIdentity service) =>
            everyWorker ? LocalServices.Start(service, swaps, Path.Combine(runDir, service.Name + ".log")) : null;
        await using var settlement = Beside(Services.Settlement);
        await using var payout = Beside(Services.Payout);
        await using var operations = Beside(Services.Operations);
        using var world = new OutsideWorld(broker.BootstrapServers, stripe);
        using var producer = KafkaClients.Producer(
            KafkaClients.ProducerConfig(broker.BootstrapServers, "bench.entries"), NullLogger.Instance);

        // Workers up, then the game and the contest, with time enough to be scheduled before the window opens.
        await ScheduleGameAsync(pg, world, ct);
        var rush = new Submitter(world, producer);

        // A warm-up, not measured: on a Sunday the workers have been deciding entries all week, so the rush does not
        // meet code never compiled or pools never grown. Another contest, open for hours, takes its entries before the
        // window.
        if (warmUp > 0) await WarmUpAsync(pg, world, rush, producer, warmUp, ct);
        var (lockAt, windowOpens) = await OpenWindowAsync(pg, world, submissions, windowSeconds, warmUp, ct);

        // The rush: each player pays (Stripe then sends payment_intent.succeeded) and submits at once, evenly over the
        // window.
        var requestsBefore = stripe.Requests().Count;
        var deliveriesBefore = stripe.WebhookDeliveries().Count;
        var processes = RushProcesses(broker, receiver, ingestion, scoring, settlement, payout, operations);
        var cpu = CpuUse.Start(Database, processes);
        var offeredIn = await OfferAsync(rush, producer, submissions, windowSeconds, windowOpens, lockAt, ct);

        // Closed and locked: each moment as a poll sees it (every 100 ms, by key).
        var leftScheduled = BenchSetup.WaitAsync(pg, "SELECT count(*) FROM scoring.contests "
                + "WHERE contest_id = 'bench-rush' AND state <> 'SCHEDULED'", n => n == 1,
            "the contest to leave SCHEDULED", TimeSpan.FromMinutes(20), ct);
        string[] workers = ["ingestion", "scoring", "settlement", "payout", "operations"];
        await WaitForDecisionsAsync(pg, workers, submissions, ct);
        var report = new BenchReport();
        cpu.Print("the rush was offered and decided", report);
        var lockedAt = await LockedAtAsync(leftScheduled);
        var results = await ReadResultsAsync(pg, submissions, lockAt, ct);
        var requests = stripe.Requests().Skip(requestsBefore).ToList();
        var offered = new Offered(submissions, offeredIn, lockAt, lockedAt);
        PrintResults(results, offered, requests, stripe, deliveriesBefore, runDir);
        AddResults(report, results, offered, requests);
        await CheckNothingDeletedUnreadAsync(pg, workers, report, ct);
        await MeasureIdleAsync(processes, report, ct);
        return report;
    }

    private static void PrintHeader(int submissions, int windowSeconds, int stripeRps, bool everyWorker)
    {
        Console.WriteLine($"bench entries: {submissions:N0} paid submissions offered over the last {windowSeconds} s " +
            $"before lock; Stripe limit {stripeRps}/s; " +
            (everyWorker ? "ingestion and scoring beside settlement, payout and operations"
                : "ingestion and scoring only"));
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}");
    }

    /// <summary>The whole Stripe account's request budget, for the one process that calls Stripe.</summary>
    private static Dictionary<string, string?> WholeBudget(int stripeRps) => new()
    {
        [StripeServices.RateVariable] = stripeRps.ToString(CultureInfo.InvariantCulture),
        [StripeServices.AccountRateVariable] = stripeRps.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// The rush's contest defined and scheduled, then the wait for its window to open; when it locks and when the
    /// window opened.
    /// </summary>
    private static async Task<(DateTimeOffset LockAt, DateTimeOffset WindowOpens)> OpenWindowAsync(string pg,
        OutsideWorld world, int submissions, int windowSeconds, int warmUp, CancellationToken ct)
    {
        var lockAt = DateTimeOffset.UtcNow.AddSeconds(20 + windowSeconds);
        world.Define(Contest(ContestId, "Lock-time rush", submissions, lockAt));
        await BenchSetup.WaitAsync(pg, "SELECT count(*) FROM ingestion.contests", n => n == (warmUp > 0 ? 2 : 1),
            "the contest to be scheduled", TimeSpan.FromMinutes(1), ct);
        var windowOpens = lockAt.AddSeconds(-windowSeconds);
        if (DateTimeOffset.UtcNow > windowOpens)
            Console.WriteLine("warning: set-up took longer than planned; the window opened late");
        while (DateTimeOffset.UtcNow < windowOpens) await Task.Delay(50, ct);
        return (lockAt, windowOpens);
    }

    /// <summary>The processes whose CPU the rush is charged with; a worker not started is not one.</summary>
    private static List<(string Name, int Pid)> RushProcesses(LocalBrokerProcess broker, LocalWebhooks receiver,
        ChildProcess ingestion, ChildProcess scoring, ChildProcess? settlement, ChildProcess? payout,
        ChildProcess? operations)
    {
        var processes = new List<(string Name, int Pid)>
        {
            ("ingestion", ingestion.Id), ("scoring", scoring.Id), ("webhook receiver", receiver.Process.Id),
            ("broker", broker.Process.Id), ("bench (driver, Stripe-compatible server)", Environment.ProcessId),
        };
        foreach (var (name, process) in new[] { ("settlement", settlement), ("payout", payout),
                ("operations", operations) })
            if (process is not null) processes.Add((name, process.Id));
        return processes;
    }

    private static async Task CheckNothingDeletedUnreadAsync(string pg, string[] workers, BenchReport report,
        CancellationToken ct)
    {
        var deletedUnread = await BenchSetup.DeletedUnreadAsync(pg, workers, ct);
        if (deletedUnread > 0)
            Console.WriteLine(
                $"messages deleted unread: {deletedUnread} alerts (the local broker keeps 5 MiB of a partition)");
        report.Check(deletedUnread == 0, $"{deletedUnread} consumers found messages deleted before they read them");
    }

    /// <summary>
    /// What the same processes cost with nothing to do: the contest is locked and every entry decided.
    /// </summary>
    private static async Task MeasureIdleAsync(List<(string Name, int Pid)> processes, BenchReport report,
        CancellationToken ct)
    {
        await Task.Delay(TimeSpan.FromSeconds(5), ct);
        var idle = CpuUse.Start(Database, processes);
        await Task.Delay(TimeSpan.FromSeconds(30), ct);
        idle.Print("idle for 30 s after the rush", report);
    }

    /// <summary>Ingestion and scoring started, then the rush's one game, scheduled.</summary>
    private static async Task ScheduleGameAsync(string pg, OutsideWorld world, CancellationToken ct)
    {
        await BenchSetup.WaitAsync(pg, "SELECT count(*) FROM ingestion.schema_migrations", n => n > 0,
            "ingestion to start", TimeSpan.FromMinutes(3), ct);
        await BenchSetup.WaitAsync(pg, "SELECT count(*) FROM scoring.schema_migrations", n => n > 0, "scoring to start",
            TimeSpan.FromMinutes(3), ct);
        world.Schedule("bench-window", 1, DateTimeOffset.UtcNow.AddHours(2), "bench-athlete");
        await BenchSetup.WaitAsync(pg, "SELECT count(*) FROM ingestion.games WHERE status = 'scheduled'", n => n == 1,
            "the game to be scheduled", TimeSpan.FromMinutes(1), ct);
    }

    private static ContestDefined Contest(string id, string name, int entriesMax, DateTimeOffset locksAt) =>
        new(id, name, ContestKinds.Fitness, "USD", Fee, 2, entriesMax, 1, locksAt, ["bench-window"],
            [new ScoringRule("steps", 1)], 0, new PrizeTable(PrizeTableKinds.WinnerTakesAll),
            new PoolRule(PoolModes.Rake, 1_000), 300);

    /// <summary>Submits paid entries as the entry API does, counting what the broker failed to take.</summary>
    private sealed class Submitter(OutsideWorld world, IProducer<byte[]?, byte[]?> producer)
    {
        private readonly MessageSigner _signer = world.Keys.SignerFor(Producers.EntryApi);
        private long _produceErrors;

        public long ProduceErrors => Interlocked.Read(ref _produceErrors);

        /// <summary>One player's payment, then the submission, as checkout does: Stripe sends
        /// payment_intent.succeeded meanwhile.</summary>
        public void Submit(string contestId, string player)
        {
            var pi = world.Pay(contestId, player, Fee);
            var s = new EntrySubmitted("sub-" + player, contestId, player, pi, null, DateTimeOffset.UtcNow);
            var message = OutgoingMessage.Create(Topics.Entries, contestId, new Envelope("sub:" + s.SubmissionId,
                EntrySubmitted.MessageType, 1, "sub:" + s.SubmissionId, null, s.SubmittedAt!.Value), s);
            var headers = _signer.Sign(Topics.Entries, message.Key, message.Headers, message.Payload);
            producer.Produce(Topics.Entries, new Message<byte[]?, byte[]?> { Key = message.Key, Value = message.Payload,
                Headers = KafkaClients.Headers(headers) },
                r => { if (r.Error.IsError) Interlocked.Increment(ref _produceErrors); });
        }
    }

    /// <summary><paramref name="warmUp"/> paid submissions for another contest, evenly over five seconds, all
    /// decided.</summary>
    private static async Task WarmUpAsync(string pg, OutsideWorld world, Submitter rush,
        IProducer<byte[]?, byte[]?> producer, int warmUp, CancellationToken ct)
    {
        world.Define(Contest(WarmContestId, "Warm-up", warmUp, DateTimeOffset.UtcNow.AddHours(1)));
        await BenchSetup.WaitAsync(pg, "SELECT count(*) FROM ingestion.contests", n => n == 1,
            "the warm-up contest to be scheduled", TimeSpan.FromMinutes(1), ct);
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < warmUp; i++)
        {
            rush.Submit(WarmContestId, "warm" + i.ToString("000000", CultureInfo.InvariantCulture));
            // Evenly over five seconds.
            var ahead = TimeSpan.FromSeconds(5) * (i + 1) / warmUp - warm.Elapsed;
            if (ahead > TimeSpan.FromMilliseconds(2)) await Task.Delay(ahead, ct);
        }
        producer.Flush(ct);
        await BenchSetup.WaitAsync(pg, $"SELECT count(*) FROM ingestion.submissions "
                + $"WHERE contest_id = '{WarmContestId}' AND decided_at IS NOT NULL",
            n => n >= warmUp, "the warm-up to be decided", TimeSpan.FromMinutes(5), ct,
            every: TimeSpan.FromSeconds(1));
        Console.WriteLine($"warm-up: {warmUp:N0} paid submissions for another contest, "
            + $"all decided {warm.Elapsed.TotalSeconds:F1} s after the first");
    }

    /// <summary>The rush's submissions, evenly over the window; how long offering them took.</summary>
    private static async Task<TimeSpan> OfferAsync(Submitter rush, IProducer<byte[]?, byte[]?> producer,
        int submissions, int windowSeconds, DateTimeOffset windowOpens, DateTimeOffset lockAt, CancellationToken ct)
    {
        var offered = Stopwatch.StartNew();
        for (var i = 0; i < submissions; i++)
        {
            // Evenly over the window, the last one a second before lock (a submission made at lock is late).
            var due = windowOpens + TimeSpan.FromTicks(
                (TimeSpan.FromSeconds(windowSeconds) - TimeSpan.FromSeconds(1)).Ticks * i / submissions);
            var wait = due - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.FromMilliseconds(2)) await Task.Delay(wait, ct);
            rush.Submit(ContestId, "player" + i.ToString("000000", CultureInfo.InvariantCulture));
        }
        producer.Flush(ct);
        var offeredIn = offered.Elapsed;
        var lastOffered = DateTimeOffset.UtcNow;
        Console.WriteLine($"offered {submissions:N0} in {offeredIn.TotalSeconds:F1} s "
            + $"(last at lock {(lastOffered - lockAt).TotalSeconds:+0.0;-0.0} s); produce errors {rush.ProduceErrors}");
        return offeredIn;
    }

    /// <summary>
    /// Every submission decided. Counting every submission is a scan of all of them: once a second, and when the last
    /// was decided is read from the rows afterwards, not from when a poll saw it (a count every 100 ms took a Postgres
    /// backend's time from the drain it was timing).
    /// </summary>
    private static async Task WaitForDecisionsAsync(string pg, string[] workers, int submissions, CancellationToken ct)
    {
        try
        {
            await BenchSetup.WaitAsync(pg, $"SELECT count(*) FROM ingestion.submissions "
                    + $"WHERE contest_id = '{ContestId}' AND decided_at IS NOT NULL", n => n >= submissions,
                "every submission to be decided", TimeSpan.FromMinutes(15), ct, progress: true,
                every: TimeSpan.FromSeconds(1));
        }
        catch (TimeoutException)
        {
            var lost = await BenchSetup.DeletedUnreadAsync(pg, workers, ct);
            if (lost == 0) throw;
            throw new TimeoutException(
                $"not every submission was decided: {lost} consumers found messages deleted before "
                + "they read them (the local broker keeps 5 MiB of a partition; see the workers' critical log lines)");
        }
    }

    private static async Task<DateTimeOffset?> LockedAtAsync(Task<DateTimeOffset> leftScheduled)
    {
        DateTimeOffset? lockedAt = null;
        try
        {
            lockedAt = await leftScheduled;
        }
        catch (TimeoutException e)
        {
            Console.WriteLine(e.Message);
        }
        return lockedAt;
    }

    /// <summary>How the rush was offered: how many, in how long, and when the contest was to lock and locked.</summary>
    private sealed record Offered(int Submissions, TimeSpan OfferedIn, DateTimeOffset LockAt, DateTimeOffset? LockedAt);

    /// <summary>What the rush's submissions became, read from Ingestion's and Scoring's tables.</summary>
    private sealed record RushResults(string State, DateTime? ClosedAt, DateTime FirstSubmitted, DateTime LastDecided,
        List<(string Outcome, long N)> Outcomes, long Accepted, long LateRefunds, long MadeLate, long MadeLateRefunded,
        long DecidedAfterLock, long Peak, long UndecidedAtLock)
    {
        public DateTimeOffset DecidedAt => new(DateTime.SpecifyKind(LastDecided, DateTimeKind.Utc));

        public double DecideSeconds => (LastDecided - FirstSubmitted).TotalSeconds;
    }

    private static async Task<RushResults> ReadResultsAsync(string pg, int submissions, DateTimeOffset lockAt,
        CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(pg);
        await conn.OpenAsync(ct);
        var state = await conn.QueryFirstOrDefaultAsync<string>(
            "SELECT state FROM scoring.contests WHERE contest_id = @ContestId", new { ContestId }) ?? "?";
        var closedAt = await conn.QueryFirstOrDefaultAsync<DateTime?>(
            "SELECT closed_at FROM ingestion.contests WHERE contest_id = @ContestId", new { ContestId });
        var firstSubmitted = await conn.QueryFirstAsync<DateTime>(
            "SELECT min(received_at) FROM ingestion.submissions WHERE contest_id = @ContestId", new { ContestId });
        var lastDecided = await conn.QueryFirstAsync<DateTime>(
            "SELECT max(decided_at) FROM ingestion.submissions WHERE contest_id = @ContestId", new { ContestId });
        var outcomes = (await conn.QueryAsync<(string Outcome, long N)>(
            "SELECT outcome, count(*) FROM ingestion.submissions WHERE contest_id = @ContestId "
                + "GROUP BY outcome ORDER BY 2 DESC", new { ContestId })).ToList();
        var accepted = await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM ingestion.entries WHERE contest_id = @ContestId", new { ContestId });
        // Refused as late though made before lock: what must never happen, however slow deciding was.
        var (lateRefunds, madeLate, madeLateRefunded) = await conn.QueryFirstAsync<(long, long, long)>("""
            SELECT count(*) FILTER (WHERE s.submitted_at < @lockAt AND s.outcome = @closed
                                          AND r.payment_intent_id IS NOT NULL),
                   count(*) FILTER (WHERE s.submitted_at >= @lockAt),
                   count(*) FILTER (WHERE s.submitted_at >= @lockAt AND r.payment_intent_id IS NOT NULL)
            FROM ingestion.submissions s LEFT JOIN ingestion.refund_orders r USING (payment_intent_id)
            WHERE s.contest_id = @ContestId
            """, new { lockAt, closed = EntryOutcome.ContestClosed.ToString(), ContestId });
        var decidedAfterLock = await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM ingestion.submissions WHERE contest_id = @ContestId AND submitted_at < @lockAt "
                + "AND decided_at > @lockAt",
            new { lockAt, ContestId });
        // The busiest 5 seconds of deciding: what Ingestion sustains when submissions queue up.
        var peak = await conn.ExecuteScalarAsync<long?>("""
            SELECT max(n) FROM (SELECT count(*) OVER (ORDER BY decided_at
                                                      RANGE BETWEEN interval '5 seconds' PRECEDING AND CURRENT ROW) AS n
                                FROM ingestion.submissions WHERE contest_id = @ContestId) w
            """, new { ContestId }) ?? 0;
        var undecidedAtLock = await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM ingestion.submissions WHERE contest_id = @ContestId AND submitted_at < @lockAt "
                + "AND (decided_at IS NULL OR decided_at > @lockAt)",
            new { lockAt, ContestId });
        return new RushResults(state, closedAt, firstSubmitted, lastDecided, outcomes, accepted, lateRefunds, madeLate,
            madeLateRefunded, decidedAfterLock, peak, undecidedAtLock);
    }

    private static void PrintResults(RushResults rush, Offered offer, List<RecordedRequest> requests,
        StripeEmulator stripe, int deliveriesBefore, string runDir)
    {
        var (submissions, offeredIn, lockAt, lockedAt) = offer;
        var madeOnTime = submissions - rush.MadeLate;
        Console.WriteLine();
        Console.WriteLine($"accepted:                  {rush.Accepted:N0} of {submissions:N0}; "
            + $"of the {madeOnTime:N0} made before lock: {rush.Accepted:N0}   (target: all)");
        foreach (var (outcome, n) in rush.Outcomes.Where(o => o.Outcome != EntryOutcome.Ok.ToString()))
            Console.WriteLine($"rejected {outcome,-18} {n:N0}");
        Console.WriteLine($"refunded for lateness:     {rush.LateRefunds:N0} made before lock   (target 0)");
        if (rush.MadeLate > 0)
            Console.WriteLine($"made at or after lock:     {rush.MadeLate:N0} (the driver fell behind its schedule): "
                + $"refused as late, {rush.MadeLateRefunded:N0} refunded — correctly");
        Console.WriteLine(
            $"decided after lock:        {rush.DecidedAfterLock:N0} of those made before it (every one on its merits)");
        Console.WriteLine($"sustained entries/s:       {submissions / Math.Max(rush.DecideSeconds, 0.001):N0}   "
            + $"(first received → last decided, {rush.DecideSeconds:F1} s; target ≥ 2,000)");
        Console.WriteLine($"peak decided/s over 5 s:   {rush.Peak / 5.0:N0}");
        Console.WriteLine($"offered/s:                 {submissions / Math.Max(offeredIn.TotalSeconds, 0.001):N0}; "
            + $"made before lock but undecided at lock: {rush.UndecidedAtLock:N0}");
        Console.WriteLine($"decided all by:            lock {(rush.DecidedAt - lockAt).TotalSeconds:+0.0;-0.0} s");
        Console.WriteLine($"entries closed:            lock {(rush.ClosedAt is { } c
            ? (new DateTimeOffset(DateTime.SpecifyKind(c, DateTimeKind.Utc)) - lockAt).TotalSeconds
                .ToString("+0.0;-0.0", CultureInfo.InvariantCulture)
            : "never")} s");
        Console.WriteLine($"lock → {rush.State}:            {(lockedAt is { } l
            ? (l - lockAt).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) : "never")} s   (target ≤ 60 s)");
        Console.WriteLine($"Stripe requests made:      {requests.Count:N0} ({requests.Count(r => r.Status == 429):N0} "
            + $"answered 429); webhook deliveries {stripe.WebhookDeliveries().Count - deliveriesBefore:N0}");
        // Which reads they were: an object's id (after the last slash, with an underscore) counts as {id}.
        foreach (var (shape, n) in requests
            .GroupBy(r => r.Method + " " + Regex.Replace(r.Path, "/[a-z]{1,6}_[A-Za-z0-9]{8,}$", "/{id}"))
            .Select(g => (g.Key, g.Count())).OrderByDescending(g => g.Item2))
            Console.WriteLine($"  {n,9:N0}  {shape}");
        Console.WriteLine($"logs: {runDir}");
    }

    private static void AddResults(BenchReport report, RushResults rush, Offered offer, List<RecordedRequest> requests)
    {
        var (submissions, offeredIn, lockAt, lockedAt) = offer;
        var madeOnTime = submissions - rush.MadeLate;
        report.Add("accepted, of made before lock", $"{rush.Accepted:N0} of {madeOnTime:N0}");
        report.Add("refunded for lateness (0)", $"{rush.LateRefunds:N0}");
        report.Add("made after lock (driver late)", $"{rush.MadeLate:N0}");
        report.Add("sustained entries/s (≥ 2,000)", $"{submissions / Math.Max(rush.DecideSeconds, 0.001):N0} of "
            + $"{submissions / Math.Max(offeredIn.TotalSeconds, 0.001):N0} offered");
        report.Add("peak decided/s over 5 s", $"{rush.Peak / 5.0:N0}");
        report.Add("undecided at lock", $"{rush.UndecidedAtLock:N0}");
        report.Add("decided after lock", $"{rush.DecidedAfterLock:N0}");
        report.Add("all decided by", $"lock {(rush.DecidedAt - lockAt).TotalSeconds:+0.0;-0.0} s");
        report.Add("lock → LOCKED (≤ 60 s)", lockedAt is { } locked
            ? $"{(locked - lockAt).TotalSeconds:0.0} s" : "never");
        report.Add("Stripe requests (429s)", $"{requests.Count:N0} ({requests.Count(r => r.Status == 429):N0})");
        report.Check(rush.LateRefunds == 0,
            $"{rush.LateRefunds:N0} submissions made before lock refunded for lateness");
        report.Check(rush.Accepted == madeOnTime, $"{rush.Accepted:N0} accepted of {madeOnTime:N0} made before lock");
        report.Check(lockedAt is not null, "the contest locked");
    }

}
