using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Cpctl.Messages;
using ContestPipeline.Deployment;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContestPipeline.Tests.Operator;

/// <summary>
/// cpctl replay is a signed request (<see cref="ConsumerRewindRequested"/> on workers.rewinds) that the worker applies
/// to its own stored positions when it starts: to a time, an offset or the beginning, never forward, once, and only
/// if its operator's signature verifies and it is within its lifetime. Through the real broker and Postgres.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class ReplayTests(PipelineFixture fixture)
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 18, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_rewind_lowers_the_workers_positions_to_an_offset_or_the_beginning_and_never_raises_them()
    {
        var (stage, group, rewinds) = await ReadTenAsync();
        await using var _ = stage;

        var outcome = await ApplyOneAsync(rewinds, group, stage, rewinds.Request(group, stage.Topic,
            ConsumerRewindRequested.AtOffset, 6));
        Assert.Equal((1, 0, 0), Mine(outcome));
        Assert.Equal(6, await PositionAsync(stage, group));

        // Forward is never applied: the position stays where it is.
        await ApplyOneAsync(rewinds, group, stage, rewinds.Request(group, null, ConsumerRewindRequested.AtOffset, 8));
        Assert.Equal(6, await PositionAsync(stage, group));
        await ApplyOneAsync(rewinds, group, stage, rewinds.Request(group, null, ConsumerRewindRequested.AtOffset, 3));
        Assert.Equal(3, await PositionAsync(stage, group));
        await ApplyOneAsync(rewinds, group, stage, rewinds.Request(group));
        Assert.Equal(0, await PositionAsync(stage, group));

        // The consumer reads all ten again, and its inbox applies none of them.
        var again = stage.Consumer(group);
        stage.Start(again.RunAsync);
        await Eventually.UntilAsync(() => again.Stats.Received >= 10, "the ten read again");
        await stage.StopAllAsync();
        Assert.Equal((10L, 0L, 10L), (again.Stats.Received, again.Stats.Applied, again.Stats.Duplicates));
        Assert.Equal(10, await PositionAsync(stage, group));
    }

    [Fact]
    public async Task A_rewind_to_a_time_lowers_each_position_to_the_first_message_stamped_at_or_after_it()
    {
        // The local broker has no time index (it answers no offsets for a time): the worker finds the offset in the
        // partition's own messages, stamped a minute apart from At.
        var (stage, group, rewinds) = await ReadTenAsync();
        await using var _ = stage;

        await ApplyOneAsync(rewinds, group, stage, rewinds.Request(group, stage.Topic, ConsumerRewindRequested.AtTime,
            time: At.AddMinutes(20)));
        Assert.Equal(10, await PositionAsync(stage, group));                // after the last message: nothing moves
        await ApplyOneAsync(rewinds, group, stage, rewinds.Request(group, stage.Topic, ConsumerRewindRequested.AtTime,
            time: At.AddMinutes(6).AddSeconds(30)));
        Assert.Equal(7, await PositionAsync(stage, group));                 // between two: the later one
        await ApplyOneAsync(rewinds, group, stage, rewinds.Request(group, null, ConsumerRewindRequested.AtTime,
            time: At.AddMinutes(3)));
        Assert.Equal(3, await PositionAsync(stage, group));                 // at one: that one
        await ApplyOneAsync(rewinds, group, stage, rewinds.Request(group, null, ConsumerRewindRequested.AtTime,
            time: At.AddDays(-1)));
        Assert.Equal(0, await PositionAsync(stage, group));                 // before the first: the beginning
    }

    [Fact]
    public async Task A_rewind_signed_by_an_operator_the_worker_holds_no_key_of_or_under_another_name_moves_nothing()
    {
        var (stage, group, rewinds) = await ReadTenAsync();
        await using var _ = stage;

        await rewinds.PublishAsync(rewinds.Request(group, by: "mallory"), RewindRequests.Mallory);
        await rewinds.PublishAsync(rewinds.Request(group, by: "bob"), RewindRequests.Ann);
        var outcome = await rewinds.ApplyAsync(group, [stage.Topic]);

        Assert.Equal((0, 0, 2), Mine(outcome));
        Assert.Equal(10, await PositionAsync(stage, group));
        Assert.Equal(0, await AppliedRewindsAsync(stage));
        // Each refusal is a critical alert in the worker's outbox, once: read again at the next start, none more.
        Assert.Equal(2, await RefusedAlertsAsync(stage));
        await rewinds.ApplyAsync(group, [stage.Topic]);
        Assert.Equal(2, await RefusedAlertsAsync(stage));
    }

    [Fact]
    public async Task An_expired_rewind_or_one_dated_ahead_moves_nothing()
    {
        var (stage, group, rewinds) = await ReadTenAsync();
        await using var _ = stage;
        var now = DateTimeOffset.UtcNow;

        await rewinds.PublishAsync(rewinds.Request(group, requestedAt: now - ConsumerRewindRequested.Lifetime));
        await rewinds.PublishAsync(rewinds.Request(group, requestedAt: now + TimeSpan.FromHours(1)));
        var outcome = await rewinds.ApplyAsync(group, [stage.Topic], new ManualClock(now));

        Assert.Equal((0, 0, 2), Mine(outcome));
        Assert.Equal(10, await PositionAsync(stage, group));
        Assert.Equal(2, await RefusedAlertsAsync(stage));
    }

    [Fact]
    public async Task A_rewind_read_again_at_every_start_is_applied_once()
    {
        var (stage, group, rewinds) = await ReadTenAsync();
        await using var _ = stage;

        await rewinds.PublishAsync(rewinds.Request(group));
        Assert.Equal((1, 0, 0), Mine(await rewinds.ApplyAsync(group, [stage.Topic])));
        Assert.Equal(0, await PositionAsync(stage, group));
        var again = stage.Consumer(group);
        stage.Start(again.RunAsync);
        await Eventually.UntilAsync(() => again.Stats.Received >= 10, "the ten read again");
        await stage.StopAllAsync();
        Assert.Equal(10, await PositionAsync(stage, group));

        // Started twice more: the request is still on the topic and moves nothing.
        for (var i = 0; i < 2; i++)
            Assert.Equal((0, 1, 0), Mine(await rewinds.ApplyAsync(group, [stage.Topic])));
        Assert.Equal(10, await PositionAsync(stage, group));
        Assert.Equal(1, await AppliedRewindsAsync(stage));

        // Read again past its lifetime: refused as expired, but it was applied, so nobody is alerted.
        var later = new ManualClock(DateTimeOffset.UtcNow + ConsumerRewindRequested.Lifetime + TimeSpan.FromHours(1));
        Assert.Equal((0, 0, 1), Mine(await rewinds.ApplyAsync(group, [stage.Topic], later)));
        Assert.Equal(0, await RefusedAlertsAsync(stage));
    }

    [Fact]
    public void Arguments_name_one_workers_group_or_every_worker_and_one_place_to_replay_from()
    {
        Assert.Null(ReplayCommand.Groups(null, null, false, out var problem));
        Assert.Equal("name one consumer group with --group G, or every worker's with --all-workers", problem);
        Assert.Null(ReplayCommand.Groups("scoring.games", "standings", false, out problem));
        Assert.Equal("group scoring.games does not read standings (it reads games)", problem);
        Assert.Null(ReplayCommand.Groups("ops.adhoc", "games", false, out problem));
        Assert.StartsWith("'ops.adhoc' is not a worker's consumer group", problem);
        var lifecycle = ReplayCommand.Groups(null, Topics.ContestLifecycle, true, out _)!;
        Assert.Equal(["scoring.lifecycle", "settlement.lifecycle", "payout.lifecycle", "operations.lifecycle"],
            lifecycle.Select(g => g.Name));
        Assert.All(lifecycle, g => Assert.Equal(Topics.ContestLifecycle, g.Topic));
        Assert.Equal(Workers.All.Values.Sum(w => w.Consumers.Count), ReplayCommand.AllWorkerGroups().Count);

        Assert.Null(ReplayCommand.ParseTarget(true, 3, null, out problem));
        Assert.Equal("say where to replay from with exactly one of --to-beginning, --to-offset N, --to-time ISO8601",
            problem);
        Assert.Null(ReplayCommand.ParseTarget(false, null, "yesterday", out problem));
        Assert.Equal(ReplayCommand.Target.ToTime(new DateTimeOffset(2026, 11, 22, 18, 0, 0, TimeSpan.Zero)),
            ReplayCommand.ParseTarget(false, null, "2026-11-22T19:00:00+01:00", out _));

        // One request per group, each naming its worker, signed-at now.
        var requests =
            ReplayCommand.Requests(ReplayCommand.AllWorkerGroups(), ReplayCommand.Target.ToOffset(5), "ann", "why", At);
        Assert.Equal(ReplayCommand.AllWorkerGroups().Select(g => (g.Worker, g.Name)),
            requests.Select(r => (r.Worker, r.Group)));
        Assert.All(requests, r => Assert.Equal((ConsumerRewindRequested.AtOffset, (long?)5, "ann", At),
            (r.Target, r.Offset, r.Operator, r.RequestedAt)));
        Assert.Equal(requests.Count, requests.Select(r => r.RequestId).Distinct().Count());
    }

    /// <summary>A stage whose consumer (group g) read ten messages, a minute apart from <see cref="At"/>.</summary>
    private async Task<(Stage, string, RewindRequests)> ReadTenAsync()
    {
        var stage = await Stage.CreateAsync(fixture, partitions: 1);
        var group = stage.Schema + ".replayed";
        using (var producer = fixture.Producer())
        {
            for (var i = 0; i < 10; i++)
            {
                var m = TestEvent.Message(stage.Topic, new TestEvent("k", i + 1));
                await producer.ProduceAsync(stage.Topic, new Message<byte[]?, byte[]?>
                    { Key = m.Key, Value = m.Payload, Headers = KafkaClients.Headers(m.Headers),
                        Timestamp = new Timestamp(At.AddMinutes(i)) });
            }
        }
        var first = stage.Start(stage.Consumer(group).RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= 10, "the ten applied");
        await first.StopAsync();
        Assert.Equal(10, await PositionAsync(stage, group));
        return (stage, group, new RewindRequests(fixture, stage.Schema));
    }

    private static async Task<ConsumerRewinds.Outcome> ApplyOneAsync(RewindRequests rewinds, string group, Stage stage,
        ConsumerRewindRequested request)
    {
        await rewinds.PublishAsync(request);
        var outcome = await rewinds.ApplyAsync(group, [stage.Topic]);
        Assert.Equal(0, outcome.Refused);
        return outcome;
    }

    /// <summary>What became of this worker's requests (other tests' share the topic).</summary>
    private static (int, int, int) Mine(ConsumerRewinds.Outcome o) => (o.Applied, o.AppliedBefore, o.Refused);

    private async Task<long> PositionAsync(Stage stage, string group)
    {
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>(
            $"SELECT next_offset FROM {stage.Schema}.consumer_positions WHERE consumer = @group AND topic = @topic " +
            "AND kafka_partition = 0", new { group, topic = stage.Topic });
    }

    private async Task<long> RefusedAlertsAsync(Stage stage)
    {
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>(
            $"SELECT count(*) FROM {stage.Schema}.outbox WHERE topic = @alerts AND message_id LIKE @refused",
            new { alerts = Topics.Alerts, refused = $"alert:%:{ConsumerRewinds.RefusedCode}:%" });
    }

    private async Task<int> AppliedRewindsAsync(Stage stage)
    {
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<int>($"SELECT count(*) FROM {stage.Schema}.consumer_rewinds");
    }

    /// <summary>What any client that can read a group can do: join it and commit an offset.</summary>
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
}
