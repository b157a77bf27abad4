using System.Text.RegularExpressions;
using Confluent.Kafka;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts;
using ContestPipeline.Local.Bench;
using ContestPipeline.Local.Broker;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Payout;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;
using static ContestPipeline.Tests.Operator.DeadLetterTests;
using ContestPipeline.Deployment;
using ContestPipeline.Cpctl.Messages;

namespace ContestPipeline.Tests.Operator;

/// <summary>
/// cpctl replay: consumer groups moved back by joining them as a member (the local broker
/// has no group admin API), refused while a worker runs unless forced, and invariant 4
/// through the real workers: replaying every topic from the beginning moves no money and
/// changes no standing or settlement.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed partial class ReplayTests(PipelineFixture fixture)
{
    private static readonly ReplayCommand.Options Quick = new() { Settle = TimeSpan.FromMilliseconds(800) };

    [Fact]
    public async Task A_group_is_moved_back_to_a_time_an_offset_or_the_beginning_and_never_forward()
    {
        var bootstrap = fixture.BootstrapServers;
        var topic = await fixture.NewTopicAsync(1);
        var at = new DateTimeOffset(2026, 11, 22, 18, 0, 0, TimeSpan.Zero);
        using (var producer = fixture.Producer())
        {
            for (var i = 0; i < 10; i++)
                await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Key = [1], Value = [(byte)i], Timestamp = new Timestamp(at.AddMinutes(i)) });
        }
        var group = "replay-test." + Guid.NewGuid().ToString("N")[..8];
        Commit(bootstrap, group, topic, 10);
        ReplayCommand.Group[] groups = [new(group, null, [topic])];

        var (code, output, _) = Run(w => ReplayCommand.Execute(bootstrap, groups, ReplayCommand.Target.ToTime(at.AddMinutes(6)), Quick, w.Out, w.Err, CancellationToken.None));
        Assert.Equal(0, code);
        Assert.Equal(6, Committed(bootstrap, group, topic));
        Assert.Matches($@"{Regex.Escape(topic)}/0\s+offset 10 -> 6\s+replays\s+4", output);

        // Forward is refused by construction: the group stays where it is.
        (code, output, _) = Run(w => ReplayCommand.Execute(bootstrap, groups, ReplayCommand.Target.ToOffset(8), Quick, w.Out, w.Err, CancellationToken.None));
        Assert.Equal(0, code);
        Assert.Equal(6, Committed(bootstrap, group, topic));
        Assert.Contains("offset 6 (unchanged)", output);

        Assert.Equal(0, Run(w => ReplayCommand.Execute(bootstrap, groups, ReplayCommand.Target.ToOffset(3), Quick, w.Out, w.Err, CancellationToken.None)).Code);
        Assert.Equal(3, Committed(bootstrap, group, topic));

        (code, output, _) = Run(w => ReplayCommand.Execute(bootstrap, groups, ReplayCommand.Target.Beginning, Quick with { DryRun = true }, w.Out, w.Err, CancellationToken.None));
        Assert.Equal(0, code);
        Assert.Contains("dry run: 1 partition(s) in 1 group(s) would be moved back to the beginning; 10 message(s) would be replayed; nothing was committed", output);
        Assert.Equal(3, Committed(bootstrap, group, topic));

        (code, output, _) = Run(w => ReplayCommand.Execute(bootstrap, groups, ReplayCommand.Target.Beginning, Quick, w.Out, w.Err, CancellationToken.None));
        Assert.Equal(0, code);
        Assert.Equal(0, Committed(bootstrap, group, topic));
        Assert.Contains("rewound 1 group(s) (1 partition(s) moved back) to the beginning; 10 message(s) will be replayed", output);
    }

    [Fact]
    public void Arguments_name_one_group_or_every_worker_and_one_place_to_replay_from()
    {
        Assert.Null(ReplayCommand.Groups(null, null, false, out var problem));
        Assert.Equal("name one consumer group with --group G, or every worker's with --all-workers", problem);
        Assert.Null(ReplayCommand.Groups("scoring.games", "standings", false, out problem));
        Assert.Equal("group scoring.games does not read standings (it reads games)", problem);
        Assert.Null(ReplayCommand.Groups("ops.adhoc", null, false, out problem));
        Assert.StartsWith("'ops.adhoc' is not a worker's consumer group", problem);
        var adhoc = Assert.Single(ReplayCommand.Groups("ops.adhoc", "games", false, out _)!);
        Assert.Equal(("ops.adhoc", (string?)null, "games"), (adhoc.Name, adhoc.Worker, Assert.Single(adhoc.Topics)));
        var lifecycle = ReplayCommand.Groups(null, Topics.ContestLifecycle, true, out _)!;
        Assert.Equal(["scoring.lifecycle", "settlement.lifecycle", "operations.lifecycle"], lifecycle.Select(g => g.Name));
        Assert.Equal(Workers.All.Values.Sum(w => w.Consumers.Count), ReplayCommand.AllWorkerGroups().Count);

        Assert.Null(ReplayCommand.ParseTarget(true, 3, null, out problem));
        Assert.Equal("say where to replay from with exactly one of --to-beginning, --to-offset N, --to-time ISO8601", problem);
        Assert.Null(ReplayCommand.ParseTarget(false, null, "yesterday", out problem));
        Assert.Equal(ReplayCommand.Target.ToTime(new DateTimeOffset(2026, 11, 22, 18, 0, 0, TimeSpan.Zero)),
            ReplayCommand.ParseTarget(false, null, "2026-11-22T19:00:00+01:00", out _));
    }

    [Fact]
    public void A_plan_never_moves_a_group_forward_and_says_what_the_broker_deleted()
    {
        var p = new TopicPartition("games", 0);
        ReplayCommand.PartitionPlan Plan(long low, long high, long? committed, long wanted, ReplayCommand.TargetKind kind) =>
            ReplayCommand.PartitionPlan.Of(p, low, high, committed, wanted, kind);

        // Back to what was asked, never forward, nothing deleted.
        var back = Plan(0, 10, 10, 6, ReplayCommand.TargetKind.Time);
        Assert.Equal((6L, 4L, true, (string?)null), (back.NewOffset!.Value, back.Replays, back.Changed, back.Warning));
        var forward = Plan(0, 10, 6, 8, ReplayCommand.TargetKind.Offset);
        Assert.Equal((6L, 4L, false, (string?)null), (forward.NewOffset!.Value, forward.Replays, forward.Changed, forward.Warning));
        Assert.Null(Plan(0, 10, 3, 0, ReplayCommand.TargetKind.Beginning).Warning);

        // Asked for messages the broker no longer holds: from the oldest held, and said so.
        var gone = Plan(400, 1_000, 900, 100, ReplayCommand.TargetKind.Offset);
        Assert.Equal((400L, 600L), (gone.NewOffset!.Value, gone.Replays));
        Assert.Equal("offset 100 was asked for, but the broker holds this partition from offset 400: 300 message(s) before it were deleted and are not replayed", gone.Warning);
        Assert.Equal("the broker holds this partition from offset 400: the 400 message(s) before it were deleted and are not replayed",
            Plan(400, 1_000, 900, 400, ReplayCommand.TargetKind.Beginning).Warning);
        Assert.EndsWith("deleted, and any of them at or after the time are not replayed", Plan(400, 1_000, 900, 400, ReplayCommand.TargetKind.Time).Warning);
        Assert.Null(Plan(400, 1_000, 900, 401, ReplayCommand.TargetKind.Time).Warning);
        // No committed offset: the group reads from the oldest held whatever is asked; what was asked and is gone is said.
        var fresh = Plan(400, 1_000, null, 100, ReplayCommand.TargetKind.Offset);
        Assert.Equal(((long?)null, 600L, false), (fresh.NewOffset, fresh.Replays, fresh.Changed));
        Assert.StartsWith("offset 100 was asked for", fresh.Warning);

        // A group below the oldest held lost messages it never read: it stays there, whatever is asked, so that its
        // worker raises messages_deleted_unread; moving it up to the oldest held would hide the loss.
        foreach (var kind in Enum.GetValues<ReplayCommand.TargetKind>())
        {
            var behind = Plan(400, 1_000, 150, kind == ReplayCommand.TargetKind.Offset ? 500 : 400, kind);
            Assert.Equal((150L, false, 600L), (behind.NewOffset!.Value, behind.Changed, behind.Replays));
            Assert.Equal("the group stands at offset 150, below the oldest message held (400): 250 message(s) it never read were deleted by the broker and cannot be replayed; left where it is, so that its worker raises messages_deleted_unread (docs/operations.md)",
                behind.Warning);
        }
    }

    [Fact]
    public async Task Replay_refuses_while_a_worker_is_running_and_rewinds_nothing_and_with_force_the_live_worker_reads_again()
    {
        await using var run = await ContestRun.StartAsync(fixture, 7, "ingestion");
        var bootstrap = run.Iso.Broker.BootstrapServers;
        var start = DateTimeOffset.UtcNow.AddHours(1);
        var games = Enumerable.Range(1, 6).Select(i => "rg" + i).ToList();
        foreach (var g in games) run.World.Schedule(g, 1, start, "a1", "a2");
        await CaughtUpAsync([new ReplayCommand.Group("ingestion.feed", "ingestion", [Topics.ProviderFeed])], run);

        var (code, _, error) = Run(w => ReplayCommand.Execute(bootstrap, ReplayCommand.AllWorkerGroups(), ReplayCommand.Target.Beginning, Quick,
            w.Out, w.Err, CancellationToken.None));
        Assert.Equal(1, code);
        var line = Assert.Single(error.TrimEnd().Split('\n'));
        Assert.StartsWith("replay: refused: other members are live in group(s) ingestion.canary (ingestion)", line);
        Assert.Contains("ingestion.feed (ingestion) [", line);
        Assert.EndsWith("stop their workers first, or pass --force; nothing was rewound", line);
        Assert.DoesNotContain("scoring.", line);
        Assert.Equal(0, PipelineFixture.Lag(bootstrap, "ingestion.feed", Topics.ProviderFeed));

        var feed = ReplayCommand.Groups("ingestion.feed", null, false, out _)!;
        (code, var output, _) = Run(w => ReplayCommand.Execute(bootstrap, feed, ReplayCommand.Target.Beginning, Quick with { Force = true },
            w.Out, w.Err, CancellationToken.None));
        Assert.Equal(0, code);
        Assert.Contains("warning: other members are live and hold", output);
        Assert.Contains($"{games.Count} message(s) will be replayed", output);

        // The worker, idle, takes the new offsets up when the command leaves the group and reads
        // every feed event again; its inbox skips each one.
        await CaughtUpAsync(feed, run);
        var log = await File.ReadAllTextAsync(await run.StopWorkerAsync("ingestion"));
        // Since it started: every event once, then every event again as a duplicate.
        Assert.Equal((2L * games.Count, (long)games.Count, (long)games.Count, 0L), ConsumerStats(log, "ingestion.feed"));
    }

    /// <summary>
    /// Invariant 4 end to end: a contest runs through all four workers to SETTLED with its
    /// prizes paid through Stripe (events back through the webhook receiver); every worker
    /// stops; every consumer group of every worker is moved to the beginning; the workers
    /// start again and read everything again. Nothing moves money, nothing is booked, and
    /// standings and settlement are the same.
    /// </summary>
    [Fact]
    public async Task Replaying_every_topic_from_the_beginning_moves_no_money_and_changes_no_standing_or_settlement()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture, 7);
        await using var webhooks = await LocalWebhooks.StartAsync(run.Swaps);
        var bootstrap = run.Iso.Broker.BootstrapServers;
        run.Stripe.TopUp(1_000_000, "usd");
        string[] workers = ["ingestion", "scoring", "settlement", "payout"];
        foreach (var w in workers) StartWorker(run, w);
        var players = new[] { "ada", "bo", "cy", "di", "ed", "fi" };
        foreach (var p in players) await run.World.SignUpForPayoutsAsync(p);

        run.World.Schedule("g1", 1, DateTimeOffset.UtcNow.AddMinutes(10), "qb1", "rb1", "wr1", "te1", "k1", "d1");
        await WaitAsync(run, "ingestion.games", "SELECT EXISTS (SELECT 1 FROM ingestion.games WHERE game_id = 'g1')", "the feed to schedule g1");
        var lockAt = await run.LockTimeAsync();
        run.Define(Fantasy("paid", lockAt, ["g1"]) with { PrizeTable = new PrizeTable(PrizeTableKinds.TopThreeWeighted) });
        var lineups = new Dictionary<string, string[]>
        {
            ["ada"] = ["qb1", "rb1"], ["bo"] = ["qb1", "wr1"], ["cy"] = ["rb1", "wr1"], ["di"] = ["wr1", "rb1"], ["ed"] = ["te1", "k1"], ["fi"] = ["te1", "d1"],
        };
        foreach (var (player, lineup) in lineups) run.World.Submit(Entry("s-" + player, "paid", player, run.World.Pay("paid", player, Fee), lineup));
        await run.WaitForStateAsync("paid", "LOCKED");
        run.World.Start("g1", 2);
        run.World.Stat("g1", 3, "qb1", "passing_yards", 750);
        run.World.Stat("g1", 4, "rb1", "rushing_yards", 200);
        run.World.Stat("g1", 5, "wr1", "receiving_yards", 100);
        run.World.Stat("g1", 6, "te1", "receptions", 2);
        run.World.End("g1", 7);
        await WaitAsync(run, "settlement.contests", "SELECT EXISTS (SELECT 1 FROM settlement.contests WHERE contest_id = 'paid' AND state = 'SETTLED')",
            "contest paid SETTLED");
        await WaitAsync(run, "payout.payouts", "SELECT count(*) FILTER (WHERE state = 'paid') = 4 FROM payout.payouts WHERE contest_id = 'paid'",
            "the four prizes paid on Stripe");
        // The money pipeline's own groups (the operations read model has its own replay test).
        var groups = ReplayCommand.AllWorkerGroups().Where(g => workers.Contains(g.Worker)).ToList();
        await CaughtUpAsync(groups, run);
        var before = await SnapshotAsync(run);
        Assert.Equal(4, before.Transfers);
        Assert.NotEqual(0, before.Journal);

        foreach (var w in workers) await run.StopWorkerAsync(w);
        var (code, output, error) = Run(w => ReplayCommand.Execute(bootstrap, groups, ReplayCommand.Target.Beginning, Quick, w.Out, w.Err, CancellationToken.None));
        Assert.True(code == 0, error);
        Assert.Contains($"rewound {groups.Count} group(s)", output);
        // Every group now stands at the oldest message: all of it is to be read again.
        var pending = groups.SelectMany(g => g.Topics.Select(t => (g.Name, Topic: t, Lag: PipelineFixture.Lag(bootstrap, g.Name, t)))).ToList();
        foreach (var (group, topic, lag) in pending) Assert.Equal(Messages(bootstrap, topic), lag);
        var replayed = pending.Sum(p => p.Lag);
        Assert.Contains($"{replayed:N0} message(s) will be replayed", output);
        Assert.True(replayed > 50, $"only {replayed} messages to replay");

        foreach (var w in workers) StartWorker(run, w);
        await CaughtUpAsync(groups, run);
        var after = await SnapshotAsync(run);

        Assert.Equal(before.MoneyRequests, after.MoneyRequests);
        Assert.Equal(before.Transfers, after.Transfers);
        Assert.Equal(before.Refunds, after.Refunds);
        Assert.Equal(before.Journal, after.Journal);
        Assert.Equal(before.Postings, after.Postings);
        Assert.Equal(before.Contests, after.Contests);
        Assert.Equal(before.Standings, after.Standings);
        Assert.Equal(before.Settlement, after.Settlement);
        Assert.Equal(before.Payouts, after.Payouts);
        Assert.Equal(before.Inbox, after.Inbox);
        Assert.Equal(before.Outbox, after.Outbox);

        // Each consumer read its share again and applied none of it.
        var logs = new List<string>();
        foreach (var w in workers) logs.Add(await File.ReadAllTextAsync(await run.StopWorkerAsync(w)));
        foreach (var (group, topic, lag) in pending)
        {
            var stats = ConsumerStats(string.Join('\n', logs), group);
            Assert.True((stats.Received, stats.Applied, stats.Duplicates, stats.DeadLettered) == (lag, 0, lag, 0),
                $"{group}: received {stats.Received}, applied {stats.Applied}, duplicates {stats.Duplicates}, dead-lettered {stats.DeadLettered}; expected {lag} replayed duplicates");
        }
    }

    private static void StartWorker(ContestRun run, string name) =>
        run.StartWorker(name, env: name == "payout"
            ? new Dictionary<string, string?>
            {
                [PayoutOptions.Settings.RetryDelayBaseMs] = "200",
                [PayoutOptions.Settings.BalanceRecheckMs] = "300",
                [PayoutOptions.Settings.LeaseMs] = "1000",
                [PayoutOptions.Settings.AccountRecheckMs] = "500",
            }
            : null);

    private sealed record Snapshot(
        int MoneyRequests, int Transfers, int Refunds, long Journal, long Postings, string Contests, string Standings, string Settlement,
        string Payouts, string Inbox, string Outbox);

    private static readonly string[] Schemas = ["ingestion", "scoring", "settlement", "payout"];

    private static async Task<Snapshot> SnapshotAsync(ContestRun run)
    {
        var requests = run.Stripe.Requests();
        var money = requests.Count(r => r.Method == "POST" && (r.Path is "/v1/transfers" or "/v1/refunds" || ReversalPath().IsMatch(r.Path)));
        var ledger = run.Stripe.Ledger();
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        async Task<string> Rows(string sql) => string.Join('\n', await conn.QueryAsync<string>(sql));
        var inbox = new List<string>();
        var outbox = new List<string>();
        foreach (var s in Schemas)
        {
            inbox.Add(await Rows($"SELECT consumer || ' ' || message_id || ' ' || outcome || ' ' || dead_letter_count || ' ' || processed_at FROM {s}.inbox ORDER BY consumer, message_id COLLATE \"C\""));
            outbox.Add(await Rows($"SELECT (SELECT count(*) FROM {s}.outbox) || ' rows, unsent ' || (SELECT count(*) FROM {s}.outbox_unsent)"));
        }
        return new Snapshot(money, ledger.Transfers.Count, ledger.Refunds.Count,
            await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM settlement.journal"),
            await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM settlement.postings"),
            await Rows("SELECT contest_id || ' ' || state || ' ' || coalesce(standings_hash, '') || ' ' || coalesce(inputs_hash, '') FROM scoring.contests ORDER BY contest_id"),
            await Rows("SELECT contest_id || ' ' || rank || ' ' || entry_id || ' ' || score_milli FROM scoring.final_standings ORDER BY contest_id, rank, entry_id COLLATE \"C\""),
            await Rows("SELECT contest_id || ' ' || state || ' ' || coalesce(settled_at::text, '') FROM settlement.contests ORDER BY contest_id"),
            await Rows("""
                SELECT s.payout_id || ' ' || s.player_id || ' ' || s.rank || ' ' || s.gross_minor || ' ' || s.fee_minor || ' ' || s.net_minor || ' ' || s.ordered_at
                       || ' | ' || coalesce(p.state, '-') || ' ' || coalesce(p.transfer_id, '-') || ' ' || coalesce(p.amount_minor::text, '-')
                FROM settlement.payouts s LEFT JOIN payout.payouts p USING (payout_id) ORDER BY s.payout_id
                """),
            string.Join("\n", inbox), string.Join("\n", outbox));
    }

    [GeneratedRegex(@"^/v1/transfers/[^/]+/reversals$")]
    private static partial Regex ReversalPath();

    /// <summary>Waits until every group has committed every message of its topics and every outbox is published.</summary>
    private static Task CaughtUpAsync(IReadOnlyList<ReplayCommand.Group> groups, ContestRun run) =>
        run.ReadToEndAsync([.. groups.Select(g => (g.Name, g.Topics))]);

    private static (long Received, long Applied, long Duplicates, long DeadLettered) ConsumerStats(string log, string consumer)
    {
        var m = Regex.Match(log, $@"Consumer {Regex.Escape(consumer)} stopped: received (\d+), applied (\d+), duplicates skipped (\d+), dead-lettered (\d+)");
        Assert.True(m.Success, $"no stop line for {consumer} in the worker's log");
        return (long.Parse(m.Groups[1].Value), long.Parse(m.Groups[2].Value), long.Parse(m.Groups[3].Value), long.Parse(m.Groups[4].Value));
    }

    private static long Messages(string bootstrap, string topic)
    {
        var config = KafkaClients.ConsumerConfig(bootstrap, "tests.count");
        using var consumer = KafkaClients.ConsumerBuilder(config, NullLogger.Instance).Build();
        return Enumerable.Range(0, Topics.PartitionCountDefault).Sum(p =>
        {
            var w = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10));
            return w.High.Value - w.Low.Value;
        });
    }

    internal static void Commit(string bootstrap, string group, string topic, long offset)
    {
        var config = KafkaClients.ConsumerConfig(bootstrap, group);
        config.EnableAutoCommit = false;
        using var consumer = KafkaClients.ConsumerBuilder(config, NullLogger.Instance).Build();
        consumer.Subscribe(topic);
        Eventually.Until(() =>
        {
            consumer.Consume(TimeSpan.FromMilliseconds(100));
            return consumer.Assignment.Count;
        }, n => n > 0, $"{group} to be given {topic}'s partition");
        consumer.Commit([new TopicPartitionOffset(topic, 0, offset)]);
        consumer.Close();
    }

    private static long Committed(string bootstrap, string group, string topic)
    {
        using var consumer = KafkaClients.ConsumerBuilder(KafkaClients.ConsumerConfig(bootstrap, group), NullLogger.Instance).Build();
        return consumer.Committed([new TopicPartition(topic, 0)], TimeSpan.FromSeconds(10)).Single().Offset.Value;
    }
}
