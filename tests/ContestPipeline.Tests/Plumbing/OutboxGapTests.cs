using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using Dapper;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// The relay's mark on the real database: a row whose transaction commits after the relay sent
/// rows with higher ids is still sent, an id never used (a rollback, a duplicate turned away)
/// stops being waited for. The relay's progress is two small tables, never the outbox's rows.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class OutboxGapTests(PipelineFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_row_that_commits_after_higher_ids_were_sent_is_sent_once_it_commits_and_its_gap_closes()
    {
        await using var stage = await Stage.CreateAsync(fixture);
        var late = TestEvent.Message(stage.Topic, new TestEvent("k-late", 1));
        var others = Enumerable.Range(1, 10)
            .Select(i => TestEvent.Message(stage.Topic, new TestEvent($"k{i}", 1))).ToList();

        // The late row takes the lowest id and holds its transaction open while the others commit and go out.
        await using var writer = await fixture.DataSource.OpenConnectionAsync();
        await using var open = await writer.BeginTransactionAsync();
        await stage.Outbox.AddAsync(writer, open, [late], CancellationToken.None);
        await stage.EnqueueAsync(others);
        var relay = stage.Relay();
        Assert.Equal(others.Count, await relay.PublishBatchAsync(CancellationToken.None));
        var (mark, gaps) = await ProgressAsync(stage);
        var lateId = await IdAsync(stage, late.OutboxId, writer);
        Assert.Equal(lateId + others.Count, mark);
        Assert.Equal([(lateId, lateId)], gaps);
        // Still running: a round does not give up on it.
        Assert.Equal(0, await relay.PublishBatchAsync(CancellationToken.None));
        Assert.Equal([(lateId, lateId)], (await ProgressAsync(stage)).Gaps);

        await open.CommitAsync();
        Assert.Equal(1, await stage.UnsentAsync());
        Assert.Equal(1, await relay.PublishBatchAsync(CancellationToken.None));
        var after = await ProgressAsync(stage);
        Assert.Equal(lateId + others.Count, after.Mark);
        Assert.Empty(after.Gaps);
        Assert.Equal(0, await stage.UnsentAsync());

        var consumer = stage.Consumer();
        stage.Start(consumer.RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= others.Count + 1,
            "every message applied", Patience);
        Assert.Equal([.. others.Append(late).Select(m => m.OutboxId).Order(StringComparer.Ordinal)],
            (await stage.AppliedAsync()).Select(a => a.MessageId).Order(StringComparer.Ordinal));
        Assert.Equal(0, consumer.Stats.Duplicates);
    }

    [Fact]
    public async Task A_row_whose_writer_took_its_transaction_id_after_the_one_that_committed_past_it_is_waited_for()
    {
        await using var stage = await Stage.CreateAsync(fixture);
        var late = TestEvent.Message(stage.Topic, new TestEvent("k-late", 1));
        var past = TestEvent.Message(stage.Topic, new TestEvent("k-past", 1));

        // The writer that commits past the late row took its transaction id first; the late row's writer takes a
        // later one, then the lower outbox id, and stays open. The last transaction to finish is then the first
        // writer's, so the late writer's id is no lower than the xmax of a snapshot taken now: a horizon read there
        // would not cover it.
        await using var first = await fixture.DataSource.OpenConnectionAsync();
        await using var firstTx = await first.BeginTransactionAsync();
        await first.ExecuteScalarAsync("SELECT pg_current_xact_id()", transaction: firstTx);
        await using var writer = await fixture.DataSource.OpenConnectionAsync();
        await using var open = await writer.BeginTransactionAsync();
        await stage.Outbox.AddAsync(writer, open, [late], CancellationToken.None);
        await stage.Outbox.AddAsync(first, firstTx, [past], CancellationToken.None);
        await firstTx.CommitAsync();

        var relay = stage.Relay();
        Assert.Equal(1, await relay.PublishBatchAsync(CancellationToken.None));
        var lateId = await IdAsync(stage, late.OutboxId, writer);
        Assert.Equal([(lateId, lateId)], (await ProgressAsync(stage)).Gaps);
        // Still running: however long it takes, no round gives up on it.
        for (var round = 0; round < 3; round++)
        {
            Assert.Equal(0, await relay.PublishBatchAsync(CancellationToken.None));
            Assert.Equal([(lateId, lateId)], (await ProgressAsync(stage)).Gaps);
        }

        await open.CommitAsync();
        Assert.Equal(1, await stage.UnsentAsync());
        Assert.Equal(1, await relay.PublishBatchAsync(CancellationToken.None));
        Assert.Empty((await ProgressAsync(stage)).Gaps);
        Assert.Equal(0, await stage.UnsentAsync());
    }

    [Fact]
    public async Task An_id_whose_transaction_rolled_back_is_waited_for_only_until_it_ended()
    {
        await using var stage = await Stage.CreateAsync(fixture);
        var lost = TestEvent.Message(stage.Topic, new TestEvent("k-lost", 1));
        var others = Enumerable.Range(1, 5)
            .Select(i => TestEvent.Message(stage.Topic, new TestEvent($"k{i}", 1))).ToList();

        await using (var writer = await fixture.DataSource.OpenConnectionAsync())
        {
            await using var open = await writer.BeginTransactionAsync();
            await stage.Outbox.AddAsync(writer, open, [lost], CancellationToken.None);
            await stage.EnqueueAsync(others);
            var relay = stage.Relay();
            Assert.Equal(others.Count, await relay.PublishBatchAsync(CancellationToken.None));
            Assert.Single((await ProgressAsync(stage)).Gaps);
            await open.RollbackAsync();
        }

        // Once no transaction that began before the relay read past the id is running (other tests' included: the
        // cluster is shared), a round settles the gap.
        var relayAgain = stage.Relay();
        await Eventually.UntilAsync(async () =>
        {
            await relayAgain.PublishBatchAsync(CancellationToken.None);
            return (await ProgressAsync(stage)).Gaps.Count == 0;
        }, "the rolled-back id's gap settled", Patience);
        Assert.Equal(0, await stage.UnsentAsync());

        // What comes next goes out as ever.
        var next = TestEvent.Message(stage.Topic, new TestEvent("k-next", 1));
        await stage.EnqueueAsync([next]);
        Assert.Equal(1, await relayAgain.PublishBatchAsync(CancellationToken.None));
        Assert.Equal(await IdAsync(stage, next.OutboxId), (await ProgressAsync(stage)).Mark);
    }

    [Fact]
    public async Task A_fact_enqueued_again_is_one_row_and_the_id_it_drew_is_let_go()
    {
        await using var stage = await Stage.CreateAsync(fixture);
        var first = TestEvent.Message(stage.Topic, new TestEvent("k", 1));
        var second = TestEvent.Message(stage.Topic, new TestEvent("k", 2));
        await stage.EnqueueAsync([first]);
        await stage.EnqueueAsync([first]);
        await stage.EnqueueAsync([second]);
        Assert.Equal(await IdAsync(stage, first.OutboxId) + 2, await IdAsync(stage, second.OutboxId));

        var relay = stage.Relay();
        Assert.Equal(2, await relay.PublishBatchAsync(CancellationToken.None));
        await Eventually.UntilAsync(async () =>
        {
            await relay.PublishBatchAsync(CancellationToken.None);
            return (await ProgressAsync(stage)).Gaps.Count == 0;
        }, "the unused id's gap settled", Patience);
        Assert.Equal(await IdAsync(stage, second.OutboxId), (await ProgressAsync(stage)).Mark);
        Assert.Equal(0, await stage.UnsentAsync());
    }

    [Fact]
    public async Task A_second_relay_of_the_same_outbox_skips_the_round_the_first_one_holds()
    {
        await using var stage = await Stage.CreateAsync(fixture);
        var messages = Enumerable.Range(1, 6)
            .Select(i => TestEvent.Message(stage.Topic, new TestEvent($"k{i}", 1))).ToList();
        await stage.EnqueueAsync(messages);

        // The first relay dies holding its round (after producing, before its progress commits).
        var holding = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var crashPoints = new CrashPoints(null)
        {
            Action = p =>
            {
                if (p != CrashPoints.RelayAfterProduce) return;
                holding.SetResult();
                release.Task.Wait();
                throw new SimulatedCrashException(p);
            },
        };
        var first = Task.Run(() => stage.Relay(crashPoints).PublishBatchAsync(CancellationToken.None));
        await holding.Task.WaitAsync(Patience);
        Assert.Equal(0, await stage.Relay().PublishBatchAsync(CancellationToken.None));
        release.SetResult();
        await Assert.ThrowsAsync<SimulatedCrashException>(() => first);

        // Its round never committed: the next relay sends the same rows again.
        Assert.Equal(messages.Count, await stage.UnsentAsync());
        Assert.Equal(messages.Count, await stage.Relay().PublishBatchAsync(CancellationToken.None));
        Assert.Equal(0, await stage.UnsentAsync());
    }

    [Fact]
    public async Task The_relay_never_writes_to_the_outbox_rows_it_sends()
    {
        await using var stage = await Stage.CreateAsync(fixture);
        await stage.EnqueueAsync(
            [.. Enumerable.Range(1, 20).Select(i => TestEvent.Message(stage.Topic, new TestEvent($"k{i % 3}", i)))]);
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        var before = await conn.QueryAsync<string>(
            $"SELECT xmin::text || '/' || ctid::text FROM {stage.Schema}.outbox ORDER BY id");

        Assert.Equal(20, await stage.Relay().PublishBatchAsync(CancellationToken.None));

        // The same tuples, untouched: no update and no row lock (either would change xmin, ctid or xmax).
        Assert.Equal(before, await conn.QueryAsync<string>(
            $"SELECT xmin::text || '/' || ctid::text FROM {stage.Schema}.outbox ORDER BY id"));
        Assert.Equal(0,
            await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM {stage.Schema}.outbox WHERE xmax <> 0"));
    }

    [Fact]
    public async Task Unsent_rows_are_found_by_the_outbox_key_not_by_reading_the_outbox()
    {
        // 50,000 rows the relay has passed and 5 it has not, as the relay's backlog gauge finds them every 10 s.
        await using var stage = await Stage.CreateAsync(fixture);
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync($"""
            INSERT INTO {stage.Schema}.outbox (message_id, topic, message_type, payload, header_bytes)
            SELECT 'm' || i, 'bench', 'TestEvent', '\x00'::bytea, '\x00'::bytea FROM generate_series(1, 50005) i;
            UPDATE {stage.Schema}.outbox_relay SET read_through = (SELECT max(id) - 5 FROM {stage.Schema}.outbox);
            ANALYZE {stage.Schema}.outbox;
            """);
        Assert.Equal(5, await stage.UnsentAsync());

        // This week's partition holds the rows; the others (empty) may be scanned, as cheap as any index.
        var partition = await conn.ExecuteScalarAsync<string>(
            $"SELECT relname FROM pg_class WHERE oid = (SELECT tableoid FROM {stage.Schema}.outbox LIMIT 1)");
        var plan = string.Join("\n",
            await conn.QueryAsync<string>($"EXPLAIN SELECT count(*) FROM {stage.Schema}.outbox_unsent"));
        Assert.DoesNotContain($"Seq Scan on {partition}", plan);
        Assert.DoesNotContain("JIT", plan);
    }

    private async Task<(long Mark, List<(long From, long To)> Gaps)> ProgressAsync(Stage stage)
    {
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        var mark = await conn.ExecuteScalarAsync<long>($"SELECT read_through FROM {stage.Schema}.outbox_relay");
        var gaps = (await conn.QueryAsync<(long, long)>(
            $"SELECT from_id, to_id FROM {stage.Schema}.outbox_gaps ORDER BY from_id")).ToList();
        return (mark, gaps);
    }

    private async Task<long> IdAsync(Stage stage, string messageId, Npgsql.NpgsqlConnection? within = null)
    {
        if (within is not null)
            return await within.ExecuteScalarAsync<long>(
                $"SELECT id FROM {stage.Schema}.outbox WHERE message_id = @messageId", new { messageId });
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>(
            $"SELECT id FROM {stage.Schema}.outbox WHERE message_id = @messageId", new { messageId });
    }
}
