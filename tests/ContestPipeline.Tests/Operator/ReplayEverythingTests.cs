using System.Text.RegularExpressions;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Cpctl.Messages;
using ContestPipeline.Local.Processes;
using ContestPipeline.Payout;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using static ContestPipeline.Tests.Operator.DeadLetterTests;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Operator;

/// <summary>
/// Invariant 4 end to end, through the operator's replay as it is now (signed rewinds on <c>workers.rewinds</c>,
/// applied by each worker to its own positions when it starts): a contest runs through all four workers to SETTLED
/// with its prizes paid through Stripe (events back through the webhook receiver); every worker stops; every consumer
/// group of every worker is asked back to the beginning; the workers start again and read everything again. Nothing
/// moves money, nothing is booked, and standings and settlement are the same.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed partial class ReplayEverythingTests(PipelineFixture fixture)
{
    private static readonly string[] Workers = ["ingestion", "scoring", "settlement", "payout"];

    [Fact]
    public async Task Replaying_every_topic_from_the_beginning_moves_no_money_and_changes_no_standing_or_settlement()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture, 7);
        await using var webhooks = await LocalWebhooks.StartAsync(run.Swaps);
        var bootstrap = run.Iso.Broker.BootstrapServers;
        run.Stripe.TopUp(1_000_000, "usd");
        foreach (var w in Workers) StartWorker(run, w);
        await RunAContestToItsPrizesPaidAsync(run);
        // The money pipeline's own groups (the operations read model has its own replay test).
        var groups = ReplayCommand.AllWorkerGroups().Where(g => Workers.Contains(g.Worker)).ToList();
        await run.ReadToEndAsync([.. groups.Select(g => (g.Name, g.Topics))]);
        var before = await SnapshotAsync(run);
        Assert.Equal(4, before.Transfers);
        Assert.NotEqual(0, before.Journal);

        foreach (var w in Workers) await run.StopWorkerAsync(w);
        // As cpctl replay --all-workers --to-beginning sends them: one request per group, signed by the operator.
        foreach (var r in ReplayCommand.Requests(groups, ReplayCommand.Target.Beginning, "operator", "replay test",
            DateTimeOffset.UtcNow))
            run.World.Publish(Topics.WorkerRewinds, r.Worker, ConsumerRewindRequested.MessageType,
                ConsumerRewindRequested.MessageIdFor(r.RequestId), r);
        var expected =
            groups.SelectMany(g => g.Topics.Select(t => (g.Name, Topic: t, Messages: Messages(bootstrap, t)))).ToList();
        var replayed = expected.Sum(e => e.Messages);
        Assert.True(replayed > 50, $"only {replayed} messages to replay");

        foreach (var w in Workers) StartWorker(run, w);
        // Each worker lowered its positions to the beginning (recorded with the request, once), then read up to the
        // end.
        await Eventually.UntilAsync(async () => await BehindAsync(run, bootstrap, groups), behind => behind.Count == 0,
            "every rewind applied and every group read to the end again", TimeSpan.FromMinutes(3));
        await run.ReadToEndAsync([.. groups.Select(g => (g.Name, g.Topics))]);
        var after = await SnapshotAsync(run);
        AssertTheSame(before, after);
        await AssertEachGroupReadEverythingAgainAndAppliedNoneAsync(run, groups, expected);
    }

    /// <summary>Six players sign up and enter a contest of one game, which runs to SETTLED and its four prizes paid on
    /// Stripe.</summary>
    private static async Task RunAContestToItsPrizesPaidAsync(ContestRun run)
    {
        var players = new[] { "ada", "bo", "cy", "di", "ed", "fi" };
        foreach (var p in players) await run.World.SignUpForPayoutsAsync(p);

        run.World.Schedule("g1", 1, DateTimeOffset.UtcNow.AddMinutes(10), "qb1", "rb1", "wr1", "te1", "k1", "d1");
        await WaitAsync(run, "ingestion.games", "SELECT EXISTS (SELECT 1 FROM ingestion.games WHERE game_id = 'g1')",
            "the feed to schedule g1");
        var lockAt = await run.LockTimeAsync();
        run.Define(
            Fantasy("paid", lockAt, ["g1"]) with { PrizeTable = new PrizeTable(PrizeTableKinds.TopThreeWeighted) });
        var lineups = new Dictionary<string, string[]>
        {
            ["ada"] = ["qb1", "rb1"], ["bo"] = ["qb1", "wr1"], ["cy"] = ["rb1", "wr1"], ["di"] = ["wr1", "rb1"],
            ["ed"] = ["te1", "k1"], ["fi"] = ["te1", "d1"],
        };
        foreach (var (player, lineup) in lineups)
            run.World.Submit(Entry("s-" + player, "paid", player, run.World.Pay("paid", player, Fee), lineup));
        await run.WaitForStateAsync("paid", "LOCKED");
        run.World.Start("g1", 2);
        run.World.Stat("g1", 3, "qb1", "passing_yards", 750);
        run.World.Stat("g1", 4, "rb1", "rushing_yards", 200);
        run.World.Stat("g1", 5, "wr1", "receiving_yards", 100);
        run.World.Stat("g1", 6, "te1", "receptions", 2);
        run.World.End("g1", 7);
        await WaitAsync(run, "settlement.contests",
            "SELECT EXISTS (SELECT 1 FROM settlement.contests WHERE contest_id = 'paid' AND state = 'SETTLED')",
            "contest paid SETTLED");
        await WaitAsync(run, "payout.payouts",
            "SELECT count(*) FILTER (WHERE state = 'paid') = 4 FROM payout.payouts WHERE contest_id = 'paid'",
            "the four prizes paid on Stripe");
    }

    private static void AssertTheSame(Snapshot before, Snapshot after)
    {
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
    }

    /// <summary>Each consumer read all of its topics again and applied none of it.</summary>
    private static async Task AssertEachGroupReadEverythingAgainAndAppliedNoneAsync(ContestRun run,
        List<ReplayCommand.Group> groups, List<(string Name, string Topic, long Messages)> expected)
    {
        var logs = new List<string>();
        foreach (var w in Workers) logs.Add(await File.ReadAllTextAsync(await run.StopWorkerAsync(w)));
        foreach (var g in groups)
        {
            var messages = expected.Where(e => e.Name == g.Name).Sum(e => e.Messages);
            var stats = ConsumerStats(string.Join('\n', logs), g.Name);
            Assert.True(stats == (messages, 0, messages, 0),
                $"{g.Name}: received {stats.Received}, applied {stats.Applied}, duplicates {stats.Duplicates}, " +
                $"dead-lettered {stats.DeadLettered}; expected {messages} replayed duplicates");
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

    /// <summary>
    /// What is not replayed yet: a worker whose rewinds are not all recorded, or a group's partition whose stored
    /// position is short of the topic's end.
    /// </summary>
    private static async Task<List<string>> BehindAsync(ContestRun run, string bootstrap,
        IReadOnlyList<ReplayCommand.Group> groups)
    {
        var behind = new List<string>();
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        foreach (var worker in Workers)
        {
            var asked = groups.Count(g => g.Worker == worker);
            var applied = await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM {worker}.consumer_rewinds");
            if (applied < asked) behind.Add($"{worker}: {applied} of {asked} rewinds applied");
        }
        if (behind.Count > 0) return behind;
        var config = KafkaClients.ConsumerConfig(bootstrap, "tests.ends");
        using var consumer = KafkaClients.ConsumerBuilder(config, NullLogger.Instance).Build();
        foreach (var g in groups)
            foreach (var topic in g.Topics)
                for (var p = 0; p < Topics.PartitionCountDefault; p++)
                {
                    var end = consumer.QueryWatermarkOffsets(new Confluent.Kafka.TopicPartition(topic, p),
                        TimeSpan.FromSeconds(10)).High.Value;
                    if (end == 0) continue;
                    var at = await conn.ExecuteScalarAsync<long?>(
                        $"SELECT next_offset FROM {g.Worker}.consumer_positions WHERE consumer = @group " +
                        "AND topic = @topic AND kafka_partition = @p",
                        new { group = g.Name, topic, p });
                    if (at != end) behind.Add($"{g.Name} {topic} [{p}] at {at?.ToString() ?? "-"} of {end}");
                }
        return behind;
    }

    private sealed record Snapshot(
        int MoneyRequests, int Transfers, int Refunds, long Journal, long Postings, string Contests, string Standings,
        string Settlement, string Payouts, string Inbox, string Outbox);

    private static async Task<Snapshot> SnapshotAsync(ContestRun run)
    {
        var requests = run.Stripe.Requests();
        var money = requests.Count(r => r.Method == "POST"
            && (r.Path is "/v1/transfers" or "/v1/refunds" || ReversalPath().IsMatch(r.Path)));
        var ledger = run.Stripe.Ledger();
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        async Task<string> Rows(string sql) => string.Join('\n', await conn.QueryAsync<string>(sql));
        var inbox = new List<string>();
        var outbox = new List<string>();
        foreach (var s in Workers)
        {
            inbox.Add(await Rows($"SELECT consumer || ' ' || message_id || ' ' || outcome || ' ' " +
                $"|| dead_letter_count || ' ' || processed_at FROM {s}.inbox " +
                "ORDER BY consumer, message_id COLLATE \"C\""));
            outbox.Add(await Rows($"SELECT (SELECT count(*) FROM {s}.outbox) || ' rows, unsent ' || (SELECT count(*) " +
                $"FROM {s}.outbox_unsent)"));
        }
        return new Snapshot(money, ledger.Transfers.Count, ledger.Refunds.Count,
            await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM settlement.journal"),
            await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM settlement.postings"),
            await Rows("SELECT contest_id || ' ' || state || ' ' || coalesce(standings_hash, " +
                "'') || ' ' || coalesce(inputs_hash, '') FROM scoring.contests ORDER BY contest_id"),
            await Rows("SELECT contest_id || ' ' || rank || ' ' || entry_id || ' ' || score_milli " +
                "FROM scoring.final_standings ORDER BY contest_id, rank, entry_id COLLATE \"C\""),
            await Rows("SELECT contest_id || ' ' || state || ' ' || coalesce(settled_at::text, '') " +
                "FROM settlement.contests ORDER BY contest_id"),
            await Rows("""
                SELECT s.payout_id || ' ' || s.player_id || ' ' || s.rank || ' ' || s.gross_minor || ' ' || s.fee_minor
                       || ' ' || s.net_minor || ' ' || s.ordered_at
                       || ' | ' || coalesce(p.state, '-') || ' ' || coalesce(p.transfer_id, '-')
                       || ' ' || coalesce(p.amount_minor::text, '-')
                FROM settlement.payouts s LEFT JOIN payout.payouts p USING (payout_id) ORDER BY s.payout_id
                """),
            string.Join("\n", inbox), string.Join("\n", outbox));
    }

    [GeneratedRegex(@"^/v1/transfers/[^/]+/reversals$")]
    private static partial Regex ReversalPath();

    private static (long Received, long Applied, long Duplicates, long DeadLettered) ConsumerStats(string log,
        string consumer)
    {
        var m = Regex.Match(log, $@"Consumer {Regex.Escape(consumer)} stopped: received (\d+), applied (\d+), " +
            @"duplicates skipped (\d+), dead-lettered (\d+)");
        Assert.True(m.Success, $"no stop line for {consumer} in the worker's log");
        return (long.Parse(m.Groups[1].Value), long.Parse(m.Groups[2].Value), long.Parse(m.Groups[3].Value),
            long.Parse(m.Groups[4].Value));
    }

    private static long Messages(string bootstrap, string topic)
    {
        var config = KafkaClients.ConsumerConfig(bootstrap, "tests.count");
        using var consumer = KafkaClients.ConsumerBuilder(config, NullLogger.Instance).Build();
        return Enumerable.Range(0, Topics.PartitionCountDefault).Sum(p =>
        {
            var w =
                consumer.QueryWatermarkOffsets(new Confluent.Kafka.TopicPartition(topic, p), TimeSpan.FromSeconds(10));
            return w.High.Value - w.Low.Value;
        });
    }
}
