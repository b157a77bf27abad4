using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using ContestPipeline.Tests.Operator;
using Dapper;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// Where a consumer resumes is decided by the positions stored with its data (consumer_positions), not by its
/// group's committed offsets: a client that joins the group and commits cannot make it skip, a database restored
/// from an earlier copy resumes from where its data is, and a message read again that was dead-lettered is skipped.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class ConsumerPositionTests(PipelineFixture fixture)
{
    private static List<OutgoingMessage> Events(string topic, int from, int count, int? poison = null) =>
        [.. Enumerable.Range(from, count)
            .Select(i => TestEvent.Message(topic, new TestEvent("k", i, i == poison ? TestEvent.Poison : null)))];

    [Fact]
    public async Task
        A_commit_past_unread_messages_by_a_client_that_joined_the_group_does_not_make_the_consumer_skip_them()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 1);
        var group = stage.Schema + ".positions";
        await stage.EnqueueAsync(Events(stage.Topic, 1, 10));
        Assert.Equal(10, await stage.Relay().PublishBatchAsync(CancellationToken.None));
        var first = stage.Start(stage.Consumer(group).RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= 10, "the first ten applied");
        await first.StopAsync();
        Assert.Equal(10, await PositionAsync(stage, group));

        // Ten more arrive while the consumer is away; a plain client joins its group and commits past them all.
        await stage.EnqueueAsync(Events(stage.Topic, 11, 10));
        Assert.Equal(10, await stage.Relay().PublishBatchAsync(CancellationToken.None));
        ReplayTests.Commit(fixture.BootstrapServers, group, stage.Topic, 20);

        var second = stage.Consumer(group);
        stage.Start(second.RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= 20,
            "the ten committed past applied");
        await stage.StopAllAsync();
        Assert.Equal(Enumerable.Range(1, 20), (await stage.AppliedAsync()).Select(a => a.Seq));
        Assert.Equal((10L, 0L), (second.Stats.Applied, second.Stats.Duplicates));
        Assert.Equal(20, await PositionAsync(stage, group));
    }

    [Fact]
    public async Task
        A_commit_below_the_positions_by_a_client_that_joined_the_group_makes_the_consumer_read_nothing_again()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 1);
        var group = stage.Schema + ".lowered";
        await stage.EnqueueAsync(Events(stage.Topic, 1, 10));
        Assert.Equal(10, await stage.Relay().PublishBatchAsync(CancellationToken.None));
        var first = stage.Start(stage.Consumer(group).RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= 10, "the ten applied");
        await first.StopAsync();

        // Only the worker lowers its positions (an operator's signed rewind): a lower commit moves nothing.
        ReplayTests.Commit(fixture.BootstrapServers, group, stage.Topic, 2);
        await stage.EnqueueAsync(Events(stage.Topic, 11, 1));
        Assert.Equal(1, await stage.Relay().PublishBatchAsync(CancellationToken.None));
        var second = stage.Consumer(group);
        stage.Start(second.RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= 11, "the eleventh applied");
        await stage.StopAllAsync();
        Assert.Equal((1L, 1L, 0L), (second.Stats.Received, second.Stats.Applied, second.Stats.Duplicates));
        Assert.Equal(11, await PositionAsync(stage, group));
    }

    [Fact]
    public async Task A_database_restored_to_an_earlier_position_reads_from_there_and_the_inbox_skips_what_it_holds()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 1);
        var group = stage.Schema + ".restored";
        await stage.EnqueueAsync(Events(stage.Topic, 1, 12));
        Assert.Equal(12, await stage.Relay().PublishBatchAsync(CancellationToken.None));
        var first = stage.Start(stage.Consumer(group).RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= 12, "all twelve applied");
        await first.StopAsync();

        // The copy restored was taken when the consumer stood at offset 4: the committed offset (12) is ahead of it.
        await SetPositionAsync(stage, group, 4);
        var second = stage.Consumer(group);
        stage.Start(second.RunAsync);
        await Eventually.UntilAsync(() => second.Stats.Received >= 8,
            "the eight messages after the restored position read");
        await stage.StopAllAsync();
        Assert.Equal((8L, 0L, 8L), (second.Stats.Received, second.Stats.Applied, second.Stats.Duplicates));
        Assert.Equal(12, await PositionAsync(stage, group));
    }

    [Fact]
    public async Task A_replay_skips_a_dead_lettered_message_counts_it_and_dead_letters_nothing_again()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 1);
        var group = stage.Schema + ".replayed";
        await stage.EnqueueAsync(Events(stage.Topic, 1, 6, poison: 3));
        Assert.Equal(6, await stage.Relay().PublishBatchAsync(CancellationToken.None));
        var first = stage.Consumer(group);
        var running = stage.Start(first.RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= 5,
            "the five good messages applied");
        await running.StopAsync();
        Assert.Equal(1, first.Stats.DeadLettered);
        Assert.Equal(6, await PositionAsync(stage, group));
        // Its dead letter (and its alert) go out through the outbox.
        await stage.Relay().PublishBatchAsync(CancellationToken.None);

        await SetPositionAsync(stage, group, 0);
        var replay = stage.Consumer(group);
        stage.Start(replay.RunAsync);
        await Eventually.UntilAsync(() => replay.Stats.Received >= 6, "the six messages read again");
        await stage.StopAllAsync();
        Assert.Equal((0L, 5L, 0L, 1L), (replay.Stats.Applied, replay.Stats.Duplicates, replay.Stats.DeadLettered,
            replay.Stats.DeadLettersSkipped));
        Assert.Equal(1, stage.Effects.AttemptsOf(Events(stage.Topic, 3, 1, poison: 3)[0].OutboxId));
        Assert.Equal(0, await stage.UnsentAsync());
        Assert.Single(fixture.ReadAll(stage.Topic + ".dlq", 1));
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>(
            $"SELECT dead_letter_count FROM {stage.Schema}.inbox WHERE consumer = @group AND outcome = 'dead_lettered'",
            new { group }));
    }

    private async Task<long> PositionAsync(Stage stage, string group)
    {
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>(
            $"SELECT next_offset FROM {stage.Schema}.consumer_positions WHERE consumer = @group AND topic = @topic " +
                "AND kafka_partition = 0",
            new { group, topic = stage.Topic });
    }

    private async Task SetPositionAsync(Stage stage, string group, long offset)
    {
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await conn.ExecuteAsync(
            $"UPDATE {stage.Schema}.consumer_positions SET next_offset = @offset WHERE consumer = @group AND " +
                "topic = @topic",
            new { group, topic = stage.Topic, offset }));
    }
}
