using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ContestPipeline.Deployment;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// Inbox and outbox are dropped by time partition once Kafka can no longer hand their messages
/// over again; what the broker still holds stays deduplicated.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class RetentionTests(PipelineFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task After_old_partitions_are_dropped_a_replay_of_everything_the_broker_holds_is_still_a_no_op()
    {
        await using var stage = await Stage.CreateAsync(fixture);
        var messages = Enumerable.Range(1, 40)
            .Select(i => TestEvent.Message(stage.Topic, new TestEvent($"k{i % 5}", i))).ToList();
        await stage.EnqueueAsync(messages);
        var consumer = stage.Consumer();
        var relay = stage.Start(stage.Relay().RunAsync);
        var first = stage.Start(consumer.RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count == messages.Count,
            "every message applied", Patience);
        await first.StopAsync();
        await relay.StopAsync();

        // Rows from long ago: a message applied 200 days ago (its topic kept it 90 days at most),
        // outbox rows sent then, one in a gap the relay still waits on, and one never sent.
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        var longAgo = await RowsFromLongAgoAsync(conn, stage, consumer.Name);
        var inboxRows = await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM {stage.Schema}.inbox");

        var keep = TimeSpan.FromMilliseconds(TopicCatalog.DeadLetterRetentionMs);
        var done = await new RetentionPartitions(fixture.DataSource, stage.Schema, keep, NullLogger.Instance)
            .ApplyAsync(null, CancellationToken.None);

        var inboxMonth = $"inbox_p{new DateTime(longAgo.Year, longAgo.Month, 1):yyyyMMdd}";
        Assert.Contains(("inbox", "dropped", inboxMonth), done);
        Assert.Contains(done, d => d is { Table: "outbox", Action: "dropped" });
        Assert.Equal(2, done.Count(d => d is { Table: "outbox", Action: "kept: unsent rows" }));
        Assert.DoesNotContain(done,
            d => d.Action == "dropped" && (d.Partition.EndsWith(ThisMonth(), StringComparison.Ordinal)));
        Assert.Equal(inboxRows - 1, await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM {stage.Schema}.inbox"));
        Assert.Equal(["in-a-gap-long-ago", "unsent-long-ago"], await conn.QueryAsync<string>(
            $"SELECT message_id FROM {stage.Schema}.outbox WHERE created_at < now() - interval '100 days' ORDER BY " +
                "message_id"));
        // A second round has nothing to do.
        Assert.DoesNotContain(await new RetentionPartitions(fixture.DataSource, stage.Schema, keep, NullLogger.Instance)
            .ApplyAsync(null, CancellationToken.None),
            d => d.Action is "dropped" or "created");

        await AssertAReplayOfEverythingAppliesNothingAsync(stage, consumer.Name, messages.Count);
    }

    /// <summary>Replay everything the broker still holds for this consumer: nothing is applied again.</summary>
    private async Task AssertAReplayOfEverythingAppliesNothingAsync(Stage stage, string consumer, int messages)
    {
        var rewinds = new RewindRequests(fixture, stage.Schema);
        await rewinds.PublishAsync(rewinds.Request(consumer));
        Assert.Equal(1, (await rewinds.ApplyAsync(consumer, [stage.Topic])).Applied);
        var replaying = stage.Consumer(consumer);
        var again = stage.Start(replaying.RunAsync);
        await Eventually.UntilAsync(() => Task.FromResult(replaying.Stats.Received >= messages),
            "the replay read back every message", Patience);
        await again.StopAsync();
        Assert.Equal(0, replaying.Stats.Applied);
        Assert.Equal(messages, replaying.Stats.Duplicates);
        Assert.Equal(messages, (await stage.AppliedAsync()).Count);
    }

    /// <summary>The rows from 200 days ago, in partitions of their own; when that was.</summary>
    private static async Task<DateTimeOffset> RowsFromLongAgoAsync(NpgsqlConnection conn, Stage stage,
        string consumer)
    {
        var longAgo = DateTimeOffset.UtcNow.AddDays(-200);
        await conn.ExecuteAsync($"SELECT count(*) FROM {stage.Schema}.retention_partitions('inbox', " +
            "interval '100 years', @longAgo)", new { longAgo });
        foreach (var week in new[] { longAgo, longAgo.AddDays(14) })
            await conn.ExecuteAsync($"SELECT count(*) FROM {stage.Schema}.retention_partitions('outbox', " +
                "interval '100 years', @week)", new { week });
        await conn.ExecuteAsync($"""
            INSERT INTO {stage.Schema}.inbox
                (consumer, message_id, topic, kafka_partition, kafka_offset, outcome, processed_at, bucket)
            VALUES (@consumer, 'gone-1', @topic, 0, 0, 'applied', @longAgo,
                date_trunc('month', @longAgo AT TIME ZONE 'UTC')::date);
            INSERT INTO {stage.Schema}.outbox (message_id, topic, message_type, headers, created_at, bucket) VALUES
                ('sent-long-ago', @topic, 'T', '[]', @longAgo, date_trunc('week', @longAgo AT TIME ZONE 'UTC')::date),
                ('in-a-gap-long-ago', @topic, 'T', '[]', @longAgo,
                    date_trunc('week', @longAgo AT TIME ZONE 'UTC')::date + 7),
                ('unsent-long-ago', @topic, 'T', '[]', @longAgo,
                    date_trunc('week', @longAgo AT TIME ZONE 'UTC')::date + 14);
            UPDATE {stage.Schema}.outbox_relay
            SET read_through = (SELECT id FROM {stage.Schema}.outbox WHERE message_id = 'in-a-gap-long-ago');
            INSERT INTO {stage.Schema}.outbox_gaps (from_id, to_id, horizon)
            SELECT id, id, 1 FROM {stage.Schema}.outbox WHERE message_id = 'in-a-gap-long-ago';
            """, new { consumer, topic = stage.Topic, longAgo });
        return longAgo;
    }

    [Fact]
    public async Task Messages_claimed_in_an_earlier_month_are_skipped_whether_applied_or_dead_lettered_then()
    {
        await using var stage = await Stage.CreateAsync(fixture);
        var applied = TestEvent.Message(stage.Topic, new TestEvent("k1", 1));
        var deadLettered = TestEvent.Message(stage.Topic, new TestEvent("k2", 1));
        var fresh = TestEvent.Message(stage.Topic, new TestEvent("k3", 1));
        var consumer = stage.Consumer();
        await using (var conn = await fixture.DataSource.OpenConnectionAsync())
        {
            var lastMonth = DateTimeOffset.UtcNow.AddDays(-40);
            await conn.ExecuteAsync($"SELECT count(*) FROM {stage.Schema}.retention_partitions('inbox', " +
                "interval '100 years', @lastMonth)", new { lastMonth });
            await conn.ExecuteAsync($"""
                INSERT INTO {stage.Schema}.inbox (consumer, message_id, topic, kafka_partition, kafka_offset, outcome,
                    dead_letter_count, processed_at, bucket)
                VALUES (@consumer, @applied, @topic, 0, 0, 'applied', 0, @lastMonth,
                        date_trunc('month', @lastMonth AT TIME ZONE 'UTC')::date),
                       (@consumer, @deadLettered, @topic, 0, 1, 'dead_lettered', 1, @lastMonth,
                        date_trunc('month', @lastMonth AT TIME ZONE 'UTC')::date)
                """, new { consumer = consumer.Name, applied = applied.OutboxId, deadLettered = deadLettered.OutboxId,
                    topic = stage.Topic, lastMonth });
        }
        await stage.EnqueueAsync([applied, deadLettered, fresh, applied, deadLettered]);
        stage.Start(stage.Relay().RunAsync);
        stage.Start(consumer.RunAsync);
        // The outbox holds each id once: three messages go out.
        await Eventually.UntilAsync(() => Task.FromResult(consumer.Stats.Applied + consumer.Stats.Duplicates
            + consumer.Stats.DeadLettersSkipped >= 3), "the three messages handled", Patience);

        // Only the fresh one is applied: the one applied last month is a duplicate, and the one dead-lettered last
        // month is skipped, as any dead letter delivered again without an operator's grant is.
        Assert.Equal([fresh.OutboxId], (await stage.AppliedAsync()).Select(a => a.MessageId));
        Assert.Equal((1L, 1L, 1L),
            (consumer.Stats.Applied, consumer.Stats.Duplicates, consumer.Stats.DeadLettersSkipped));
        await using var check = await fixture.DataSource.OpenConnectionAsync();
        Assert.Equal("dead_lettered", await check.QueryFirstAsync<string>(
            $"SELECT outcome FROM {stage.Schema}.inbox WHERE message_id = @id", new { id = deadLettered.OutboxId }));
    }

    [Fact]
    public async Task Retention_waits_for_a_round_of_the_relay_or_a_rewind_before_it_judges_a_partition_sent()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 1);
        // A relay's round (or an outbox rewind) in progress holds the relay's lock until it commits.
        await using var round = await fixture.DataSource.OpenConnectionAsync();
        await using var tx = await round.BeginTransactionAsync();
        await round.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))",
            new { key = OutboxRelay.LockKey(stage.Schema) }, tx);

        var retention = new RetentionPartitions(fixture.DataSource, stage.Schema, TimeSpan.FromDays(30),
            NullLogger.Instance).ApplyAsync(null, CancellationToken.None);
        await Task.WhenAny(retention, Task.Delay(TimeSpan.FromSeconds(1)));
        Assert.False(retention.IsCompleted, "retention judged the outbox while the relay's round was open");
        await tx.CommitAsync();
        await retention.WaitAsync(Patience);
    }

    [Fact]
    public void The_inbox_keeps_ids_as_long_as_the_longest_retention_of_its_topics_and_their_dead_letters()
    {
        var settlement = ContestPipeline.Deployment.Workers.Settlement;
        Assert.Equal(TimeSpan.FromMilliseconds(TopicCatalog.DeadLetterRetentionMs), settlement.InboxRetention);
        // A dead letter can be re-driven for as long as its dead-letter topic keeps it, longer than the topic itself.
        Assert.True(
            TopicCatalog.For(Topics.DeadLetter(Topics.Games)).RetentionMs > TopicCatalog.For(Topics.Games).RetentionMs);
        Assert.Equal(TopicCatalog.For(Topics.DeadLetter(Topics.Games)).RetentionMs,
            TopicCatalog.LongestRetentionMs([Topics.Games]));
    }

    private static string ThisMonth() => $"{DateTime.UtcNow:yyyyMM}01";
}
