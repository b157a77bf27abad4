using System.Text.RegularExpressions;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Npgsql;
using ContestPipeline.Cpctl.Messages;

namespace ContestPipeline.Tests.Operator;

/// <summary>
/// cpctl outbox republish: messages a consumer never read (the broker moved it past them) are published again by the
/// worker's own relay from a time, applied once by the consumer that missed them and skipped by the rest; the relay's
/// mark only ever goes back.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed partial class OutboxRepublishTests(PipelineFixture fixture)
{
    [Fact]
    public async Task Messages_a_consumer_never_read_are_published_again_from_a_time_and_applied_once()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 1);
        const string group = "republish-group";
        var messages = await FourPublishedTwoLostToTheGroupAsync(stage, group);

        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        var rows = (await conn.QueryAsync<(long Id, DateTime At)>(
            $"SELECT id, created_at FROM {stage.Schema}.outbox ORDER BY id")).ToList();
        var from = new DateTimeOffset(rows[0].At, TimeSpan.Zero);
        // A gap above where the mark goes is read again by the walk, not twice.
        await conn.ExecuteAsync($"INSERT INTO {stage.Schema}.outbox_gaps (from_id, to_id, horizon) " +
            "VALUES (@id, @id, 1)", new { id = rows[2].Id });

        var (code, output) = await Republish(stage, from, dryRun: true);
        Assert.Equal(0, code);
        var lines = output.Trim().Split('\n');
        Assert.Equal($"dry run: {stage.Schema}'s relay would go back from {rows[3].Id} to {rows[0].Id - 1} and " +
            $"publish 4 row(s) again ({stage.Topic} 4); nothing was changed", lines[0]);
        Assert.Equal(
            $"the first of them: message {messages[0].OutboxId}, written {rows[0].At:yyyy-MM-ddTHH:mm:ss.fffZ} (a " +
            "row's time is when the transaction that wrote it began, before it reached Kafka)", lines[1]);
        Assert.Equal(2, lines.Length);
        Assert.Equal(rows[3].Id,
            await conn.ExecuteScalarAsync<long>($"SELECT read_through FROM {stage.Schema}.outbox_relay"));

        (code, output) = await Republish(stage, from, dryRun: false);
        Assert.Equal(0, code);
        Assert.Matches($@"^{Regex.Escape(stage.Schema)}: the relay's mark moved back from {rows[3].Id} to " +
            $@"{rows[0].Id - 1}: it publishes 4 row\(s\) again \({Regex.Escape(stage.Topic)} 4\), " +
            @"written since ", output);
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>(
            $"SELECT count(*) FROM {stage.Schema}.outbox_gaps WHERE to_id > @mark", new { mark = rows[0].Id - 1 }));
        Assert.Equal(4, await stage.Relay().PublishBatchAsync(CancellationToken.None));

        // The group reads the four again: the two it missed are applied, once; the two it had are skipped.
        var again = stage.Consumer(group);
        stage.Start(again.RunAsync);
        await Eventually.UntilAsync(() => Task.FromResult(again.Stats.Applied + again.Stats.Duplicates >= 4),
            "the four read again");
        Assert.Equal((2L, 2L), (again.Stats.Applied, again.Stats.Duplicates));
        Assert.Equal([1, 2, 3, 4], (await stage.AppliedAsync()).Select(a => a.Seq).Order());
        await AssertNeverForwardAsync(stage, conn);

        // Before the oldest row kept: said, and everything kept goes out again.
        (code, output) = await Republish(stage, from.AddDays(-1), dryRun: true);
        Assert.Equal(0, code);
        Assert.StartsWith($"warning: {stage.Schema}'s outbox keeps rows from ", output);
        Assert.Contains("publish 4 row(s) again", output);
    }

    /// <summary>
    /// Four messages published, each in a transaction of its own (each row has a time of its own), of which the
    /// group applied only the second and third; the first three.
    /// </summary>
    private async Task<List<OutgoingMessage>> FourPublishedTwoLostToTheGroupAsync(Stage stage, string group)
    {
        var messages = Enumerable.Range(1, 3).Select(i => TestEvent.Message(stage.Topic, new TestEvent("k", i)))
            .ToList();
        // One transaction each: each row has a time of its own.
        foreach (var m in messages) await stage.EnqueueAsync([m]);
        Assert.Equal(3, await stage.Relay().PublishBatchAsync(CancellationToken.None));
        // The consumer stands past all three without having applied two of them, as after the broker deleted them
        // unread and its log started later.
        await PlaceAsync(stage, group, 1);
        var first = stage.Consumer(group);
        var running = stage.Start(first.RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count == 2, "messages 2 and 3 applied");
        await running.StopAsync();
        await stage.EnqueueAsync([TestEvent.Message(stage.Topic, new TestEvent("k", 4))]);
        Assert.Equal(1, await stage.Relay().PublishBatchAsync(CancellationToken.None));
        await PlaceAsync(stage, group, 4);
        ReplayTests.Commit(fixture.BootstrapServers, group, stage.Topic, 4);
        // Lost to the group: message 1 (offset 0, before it started) and message 4 (passed over).
        Assert.Equal([2, 3], (await stage.AppliedAsync()).Select(a => a.Seq));
        return messages;
    }

    private async Task AssertNeverForwardAsync(Stage stage, NpgsqlConnection conn)
    {
        // Never forward: a time whose first row is not sent yet (the second of two unsent rows) moves nothing, and
        // marks neither sent.
        await stage.EnqueueAsync([TestEvent.Message(stage.Topic, new TestEvent("k", 5))]);
        await stage.EnqueueAsync([TestEvent.Message(stage.Topic, new TestEvent("k", 6))]);
        var mark = await conn.ExecuteScalarAsync<long>($"SELECT read_through FROM {stage.Schema}.outbox_relay");
        var secondUnsentAt =
            await conn.ExecuteScalarAsync<DateTime>($"SELECT max(created_at) FROM {stage.Schema}.outbox");
        var (code, output) =
            await Republish(stage, new DateTimeOffset(secondUnsentAt, TimeSpan.Zero), dryRun: false);
        Assert.Equal(0, code);
        Assert.StartsWith($"{stage.Schema}: nothing to publish again: no row written at or after ", output);
        Assert.Equal(mark,
            await conn.ExecuteScalarAsync<long>($"SELECT read_through FROM {stage.Schema}.outbox_relay"));
        Assert.Equal(2, await stage.UnsentAsync());
    }

    [Fact]
    public async Task A_schema_without_an_outbox_or_an_unknown_worker_is_refused_with_why()
    {
        await using var error = new StringWriter();
        Assert.Equal(1, await OutboxCommand.RepublishAsync("nobody", "2026-11-22T18:00:00Z", null, true,
            TextWriter.Null, error, CancellationToken.None));
        Assert.StartsWith("outbox republish: unknown worker 'nobody' (one of: ingestion, ", error.ToString());
        error.GetStringBuilder().Clear();
        Assert.Equal(1, await OutboxCommand.RepublishAsync("ingestion", "yesterday", null, true, TextWriter.Null, error,
            CancellationToken.None));
        Assert.Equal("outbox republish: --from-time 'yesterday' is not an ISO 8601 time such as 2026-11-22T18:00:00Z",
            error.ToString().Trim());
        error.GetStringBuilder().Clear();
        Assert.Equal(1, await OutboxCommand.RepublishAsync(fixture.DataSource, "no_such_schema", DateTimeOffset.UtcNow,
            true, TextWriter.Null, error, CancellationToken.None));
        Assert.StartsWith("outbox republish: schema no_such_schema: relation \"no_such_schema.outbox\" does not exist",
            error.ToString());
        error.GetStringBuilder().Clear();
        Assert.Equal(1, await OutboxCommand.RepublishAsync(fixture.DataSource, "Bad-Name", DateTimeOffset.UtcNow, true,
            TextWriter.Null, error, CancellationToken.None));
        Assert.Equal("outbox republish: schema 'Bad-Name' is not a plain lower-case SQL identifier; " +
            "nothing was changed", error.ToString().Trim());
    }

    private async Task<(int Code, string Output)> Republish(Stage stage, DateTimeOffset from, bool dryRun)
    {
        await using var output = new StringWriter();
        var code = await OutboxCommand.RepublishAsync(fixture.DataSource, stage.Schema, from, dryRun, output, output,
            CancellationToken.None);
        return (code, output.ToString());
    }

    /// <summary>Where <paramref name="consumer"/> resumes in the stage's partition, as its own database says.</summary>
    private async Task PlaceAsync(Stage stage, string consumer, long nextOffset)
    {
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync($"""
            INSERT INTO {stage.Schema}.consumer_positions (consumer, topic, kafka_partition, next_offset)
            VALUES (@consumer, @topic, 0, @nextOffset)
            ON CONFLICT (consumer, topic, kafka_partition) DO UPDATE SET next_offset = EXCLUDED.next_offset
            """, new { consumer, topic = stage.Topic, nextOffset });
    }
}
