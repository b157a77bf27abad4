using System.Text;
using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Plumbing;
using ContestPipeline.Tests.Infrastructure;
using ContestPipeline.Tests.Operator;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Header = ContestPipeline.Plumbing.Messaging.Header;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// The messaging core end to end: outbox → relay → Kafka → inbox consumer, on the real database and broker.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class OutboxInboxTests(PipelineFixture fixture)
{
    private static List<OutgoingMessage> Events(string topic, int keys, int perKey) =>
        [.. Enumerable.Range(1, perKey).SelectMany(seq =>
            Enumerable.Range(1, keys).Select(k => TestEvent.Message(topic, new TestEvent($"k{k}", seq))))];

    [Fact]
    public async Task Every_message_is_applied_once_and_in_key_order()
    {
        await using var stage = await Stage.CreateAsync(fixture);
        var messages = Events(stage.Topic, keys: 20, perKey: 25);
        foreach (var chunk in messages.Chunk(100)) await stage.EnqueueAsync(chunk);

        stage.Start(stage.Relay(batchSizeMax: 150).RunAsync);
        stage.Start(stage.Consumer(batchSizeMax: 64).RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= messages.Count,
            "500 messages applied");

        var applied = await stage.AppliedAsync();
        Assert.Equal(messages.Count, applied.Count);
        Assert.Equal(messages.Count, applied.Select(a => a.MessageId).Distinct().Count());
        foreach (var key in applied.GroupBy(a => a.Key))
            Assert.Equal(Enumerable.Range(1, 25), key.Select(a => a.Seq));
        Assert.Equal(0, await stage.UnsentAsync());
    }

    [Fact]
    public async Task The_same_fact_enqueued_twice_is_one_outbox_row_and_other_content_under_its_id_is_refused()
    {
        await using var stage = await Stage.CreateAsync(fixture);
        var message = TestEvent.Message(stage.Topic, new TestEvent("k", 1));
        await stage.EnqueueAsync([message]);
        await stage.EnqueueAsync([message, message]);
        Assert.Equal(1, await stage.UnsentAsync());

        var conflicting = TestEvent.Message(stage.Topic, new TestEvent("k", 2), messageId: message.OutboxId);
        await Assert.ThrowsAsync<OutboxConflictException>(() => stage.EnqueueAsync([conflicting]));
        Assert.Equal(1, await stage.UnsentAsync());
    }

    [Fact]
    public async Task
        New_messages_are_copied_in_their_place_in_the_order_and_a_second_under_an_id_fails_the_transaction()
    {
        await using var stage = await Stage.CreateAsync(fixture);
        var messages = Enumerable.Range(1, 6).Select(seq => TestEvent.Message(stage.Topic, new TestEvent("k", seq)) with
        {
            New = seq is 2 or 3 or 5,
        }).ToList();
        await stage.EnqueueAsync(messages);
        Assert.Equal(6, await stage.UnsentAsync());

        var again = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => stage.EnqueueAsync([messages[1]]));
        Assert.Equal(Npgsql.PostgresErrorCodes.UniqueViolation, again.SqlState);
        await stage.EnqueueAsync([messages[0], messages[2] with { New = false }]);   // not new: already added, skipped
        Assert.Equal(6, await stage.UnsentAsync());

        stage.Start(stage.Relay(batchSizeMax: 4).RunAsync);
        stage.Start(stage.Consumer(batchSizeMax: 4).RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= 6, "six messages applied");
        Assert.Equal(Enumerable.Range(1, 6), (await stage.AppliedAsync()).Select(a => a.Seq));
    }

    [Fact]
    public async Task An_alert_raised_again_under_the_same_key_is_one_alert_whatever_its_time()
    {
        await using var stage = await Stage.CreateAsync(fixture);
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        for (var i = 0; i < 2; i++)
        {
            await using var tx = await conn.BeginTransactionAsync();
            var context = new HandlerContext(conn, tx,
                new ManualClock(new DateTimeOffset(2026, 11, 21, 12, i, 0, TimeSpan.Zero)));
            context.RaiseAlert("tests", "warning", "feed_conflict", "g1", "two events under sequence 7", "g1:7");
            await stage.Outbox.AddAsync(conn, tx, context.Outgoing, CancellationToken.None);
            await tx.CommitAsync();
        }
        Assert.Equal(1, await stage.UnsentAsync());
    }

    [Fact]
    public async Task Rows_written_with_jsonb_headers_before_the_compact_form_are_sent_with_the_same_headers()
    {
        await using var stage = await Stage.CreateAsync(fixture);
        var messages = Events(stage.Topic, keys: 4, perKey: 5);
        await stage.EnqueueAsync(messages);
        // Every other row as a release before the compact form wrote it: its headers as jsonb.
        await using (var conn = await fixture.DataSource.OpenConnectionAsync())
        {
            foreach (var m in messages.Where((_, i) => i % 2 == 0))
                await conn.ExecuteAsync(
                    $"UPDATE {stage.Schema}.outbox SET header_bytes = NULL, headers = @json::jsonb WHERE " +
                        "message_id = @id",
                    new { json = HeaderJson.Write(m.Headers), id = m.OutboxId });
            Assert.Equal(messages.Count / 2,
                await conn.ExecuteScalarAsync<long>(
                    $"SELECT count(*) FROM {stage.Schema}.outbox WHERE headers IS NOT NULL"));
        }

        stage.Start(stage.Relay().RunAsync);
        stage.Start(stage.Consumer().RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= messages.Count,
            "20 messages applied");
        // Applied means the consumer read each message's envelope from its headers (id, type, schema version).
        Assert.Equal(messages.Select(m => m.OutboxId).Order(),
            (await stage.AppliedAsync()).Select(a => a.MessageId).Order());
        Assert.Equal(0, await stage.UnsentAsync());
    }

    [Fact]
    public async Task Relay_killed_mid_batch_republishes_and_nothing_is_applied_twice()
    {
        await using var stage = await Stage.CreateAsync(fixture);
        var messages = Events(stage.Topic, keys: 10, perKey: 30);
        await stage.EnqueueAsync(messages);

        // The first relay produces the whole batch to Kafka and dies before marking any row sent.
        var crashing = new CrashPoints(null)
            { Action = p => { if (p == CrashPoints.RelayAfterProduce) throw new SimulatedCrashException(p); } };
        await Assert.ThrowsAsync<SimulatedCrashException>(() =>
            stage.Relay(crashing, batchSizeMax: 1000).PublishBatchAsync(CancellationToken.None));
        Assert.Equal(messages.Count, await stage.UnsentAsync());

        stage.Start(stage.Relay().RunAsync);
        var consumer = stage.Consumer();
        stage.Start(consumer.RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= messages.Count
            && consumer.Stats.Duplicates >= messages.Count,
            "every message applied and every duplicate skipped");

        // Kafka holds every message twice; each was applied once.
        Assert.Equal(2 * messages.Count, fixture.ReadAll(stage.Topic, 2 * messages.Count).Count);
        var applied = await stage.AppliedAsync();
        Assert.Equal(messages.Count, applied.Count);
        Assert.Equal(messages.Count, applied.Select(a => a.MessageId).Distinct().Count());
        Assert.Equal(0, await stage.UnsentAsync());
    }

    [Fact]
    public async Task Relay_killed_with_half_a_batch_handed_to_Kafka_republishes_it_all_and_keeps_key_order()
    {
        await using var stage = await Stage.CreateAsync(fixture);
        var messages = Events(stage.Topic, keys: 10, perKey: 30);
        await stage.EnqueueAsync(messages);

        // The first relay hands the first half of its batch to the producer and dies with
        // nothing acknowledged and nothing marked sent; the half it handed over still arrives.
        var crashing = new CrashPoints(null)
            { Action = p => { if (p == CrashPoints.RelayMidProduce) throw new SimulatedCrashException(p); } };
        await Assert.ThrowsAsync<SimulatedCrashException>(() =>
            stage.Relay(crashing, batchSizeMax: 1000).PublishBatchAsync(CancellationToken.None));
        Assert.Equal(messages.Count, await stage.UnsentAsync());

        stage.Start(stage.Relay().RunAsync);
        var consumer = stage.Consumer();
        stage.Start(consumer.RunAsync);
        var half = messages.Count / 2;
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= messages.Count
            && consumer.Stats.Duplicates >= half,
            "every message applied and the half sent twice skipped");

        Assert.Equal(messages.Count + half, fixture.ReadAll(stage.Topic, messages.Count + half).Count);
        var applied = await stage.AppliedAsync();
        Assert.Equal(messages.Count, applied.Count);
        Assert.Equal(messages.Count, applied.Select(a => a.MessageId).Distinct().Count());
        foreach (var key in applied.GroupBy(a => a.Key))
            Assert.Equal(Enumerable.Range(1, 30), key.Select(a => a.Seq));
        Assert.Equal(half, consumer.Stats.Duplicates);
        Assert.Equal(0, await stage.UnsentAsync());
    }

    [Fact]
    public async Task
        Consumer_killed_after_its_database_commit_but_before_its_offset_commit_resumes_past_what_it_applied()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 1);
        var messages = Events(stage.Topic, keys: 4, perKey: 50);
        await stage.EnqueueAsync(messages);
        Assert.Equal(messages.Count, await stage.Relay().PublishBatchAsync(CancellationToken.None));

        var group = stage.Schema + ".crashing";
        var crashing = new CrashPoints(null)
            { Action = p => { if (p == CrashPoints.ConsumerAfterCommit) throw new SimulatedCrashException(p); } };
        var first = stage.Consumer(group, crashing, batchSizeMax: 50);
        await Assert.ThrowsAsync<SimulatedCrashException>(() => first.RunAsync(CancellationToken.None));
        var appliedBeforeCrash = (await stage.AppliedAsync()).Count;
        Assert.Equal(50, appliedBeforeCrash);
        // Kafka never heard of those 50: the group's offset would deliver them again.
        Assert.Equal(messages.Count, PipelineFixture.Lag(fixture.BootstrapServers, group, stage.Topic));

        // The position was committed with the data, so the restarted consumer starts after the 50.
        var second = stage.Consumer(group);
        stage.Start(second.RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= messages.Count,
            "all messages applied");
        await stage.StopAllAsync();

        Assert.Equal((long)(messages.Count - appliedBeforeCrash), second.Stats.Received);
        Assert.Equal(0, second.Stats.Duplicates);
        var applied = await stage.AppliedAsync();
        Assert.Equal(messages.Count, applied.Count);
        Assert.Equal(messages.Count, applied.Select(a => a.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task
        A_rejected_message_is_dead_lettered_at_once_with_its_reason_a_conflict_is_retried_and_the_messages_behind_flow()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 1);
        var messages = Enumerable.Range(1, 10).Select(i => TestEvent.Message(stage.Topic,
            new TestEvent("k", i, i == 5 ? TestEvent.Poison : i == 7 ? TestEvent.FlakyOnce : null))).ToList();
        await stage.EnqueueAsync(messages);

        stage.Start(stage.Relay().RunAsync);
        var consumer = stage.Consumer();
        stage.Start(consumer.RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= 9,
            "the nine good messages applied");

        var applied = await stage.AppliedAsync();
        Assert.Equal([1, 2, 3, 4, 6, 7, 8, 9, 10], applied.Select(a => a.Seq));
        // Rejected in the batch, then once on its own: bad input gets no retries.
        Assert.Equal(1, stage.Effects.AttemptsOf(messages[4].OutboxId));
        Assert.Equal(2, stage.Effects.AttemptsOf(messages[6].OutboxId));

        var dead = Assert.Single(fixture.ReadAll(stage.Topic + ".dlq", 1));
        Assert.Equal(messages[4].Payload, dead.Message.Value);
        Assert.Equal("k", Encoding.UTF8.GetString(dead.Message.Key!));
        Assert.Equal("poison message k/5", HeaderOf(dead, MessageHeaders.DeadLetterReason));
        Assert.Equal("1", HeaderOf(dead, MessageHeaders.DeadLetterAttempts));
        Assert.Equal(stage.Topic, HeaderOf(dead, MessageHeaders.DeadLetterOriginalTopic));
        Assert.Equal("0", HeaderOf(dead, MessageHeaders.DeadLetterOriginalPartition));
        Assert.Equal("4", HeaderOf(dead, MessageHeaders.DeadLetterOriginalOffset));
        Assert.DoesNotContain(dead.Message.Headers, h => h.Key == MessageHeaders.DeadLetterException);
        Assert.Equal(messages[4].OutboxId, HeaderOf(dead, MessageHeaders.MessageId));
        Assert.Equal(1, consumer.Stats.DeadLettered);
    }

    [Fact]
    public async Task A_batch_handler_run_with_a_poison_message_falls_back_to_one_at_a_time_and_dead_letters_only_it()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 1, batchHandler: true);
        var messages = Enumerable.Range(1, 40).Select(i => TestEvent.Message(stage.Topic,
            new TestEvent("k", i, i == 25 ? TestEvent.Poison : null))).ToList();
        await stage.EnqueueAsync(messages);
        Assert.Equal(40, await stage.Relay().PublishBatchAsync(CancellationToken.None));

        stage.Start(stage.Relay().RunAsync);
        var consumer = stage.Consumer();
        stage.Start(consumer.RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= 39
            && consumer.Stats.DeadLettered == 1, "39 applied, 1 dead-lettered");

        Assert.Equal(Enumerable.Range(1, 40).Where(i => i != 25), (await stage.AppliedAsync()).Select(a => a.Seq));
        Assert.Equal(1, stage.Effects.AttemptsOf(messages[24].OutboxId));
        var dead = Assert.Single(fixture.ReadAll(stage.Topic + ".dlq", 1));
        Assert.Equal(messages[24].OutboxId, HeaderOf(dead, MessageHeaders.MessageId));
    }

    [Fact]
    public async Task
        A_bug_stops_the_consumer_with_the_message_uncommitted_and_one_critical_alert_and_after_the_fix_it_applies_once()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 1);
        var messages = Enumerable.Range(1, 6)
            .Select(i => TestEvent.Message(stage.Topic, new TestEvent("k", i, i == 3 ? TestEvent.Bug : null))).ToList();
        await stage.EnqueueAsync(messages);
        Assert.Equal(6, await stage.Relay().PublishBatchAsync(CancellationToken.None));
        const string group = "bug-group";

        // The loop stops by itself: it does not skip the message, dead-letter it or retry it forever.
        var stopped = await Assert.ThrowsAsync<WorkerStoppedException>(() =>
            stage.Consumer(group).RunAsync(CancellationToken.None));
        Assert.Contains("bug on k/3", stopped.Message);
        Assert.Equal([1, 2], (await stage.AppliedAsync()).Select(a => a.Seq));
        // Stopping again on the same message (a restart before the fix) raises no second alert.
        await Assert.ThrowsAsync<WorkerStoppedException>(() => stage.Consumer(group).RunAsync(CancellationToken.None));
        Assert.Equal([1, 2], (await stage.AppliedAsync()).Select(a => a.Seq));

        await using (var conn = await fixture.DataSource.OpenConnectionAsync())
        {
            var alerts = (await conn.QueryAsync<string>(
                $"SELECT convert_from(payload, 'UTF8') FROM {stage.Schema}.outbox WHERE topic = @alerts",
                new { alerts = Topics.Alerts })).ToList();
            var alert = Assert.Single(alerts);
            Assert.Contains("\"severity\":\"critical\"", alert);
            Assert.Contains("worker_stopped_on_bug", alert);
            Assert.Equal(0, await conn.ExecuteScalarAsync<long>(
                $"SELECT count(*) FROM {stage.Schema}.outbox WHERE topic = @dlq", new { dlq = stage.Topic + ".dlq" }));
        }

        stage.Effects.BugFixed = true;
        stage.Start(stage.Consumer(group).RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count == 6,
            "every message applied after the fix");
        Assert.Equal([1, 2, 3, 4, 5, 6], (await stage.AppliedAsync()).Select(a => a.Seq));
    }

    [LocalBrokerFact("it relies on the local broker keeping at most 5 MiB of a partition")]
    public async Task Messages_deleted_by_the_broker_before_the_group_read_them_raise_one_critical_alert_naming_where()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 1);
        var first = TestEvent.Message(stage.Topic, new TestEvent("k", 1));
        var second = TestEvent.Message(stage.Topic, new TestEvent("k", 2));
        using var producer = fixture.Producer();
        await Produce(producer, stage.Topic, first.Payload, first.Headers);
        const string group = "reset-group";
        var running = stage.Start(stage.Consumer(group).RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count == 1, "the first message applied");
        await running.StopAsync();

        // While the group is away, more arrives than the broker keeps of a partition (the local broker: 5 MiB), so
        // offset 1, where the group stands, is deleted unread: 40 copies of the second message, 200 kB each.
        var padded = second.Headers.Append(Header.Text("padding", new string('x', 200_000))).ToList();
        for (var i = 0; i < 40; i++) await Produce(producer, stage.Topic, second.Payload, padded);
        using (var probe = KafkaClients.ConsumerBuilder(KafkaClients.ConsumerConfig(fixture.BootstrapServers, "probe"),
            NullLogger.Instance).Build())
            Assert.True(
                probe.QueryWatermarkOffsets(new TopicPartition(stage.Topic, 0), TimeSpan.FromSeconds(10)).Low > 1);
        // Its stored position (1) stays below the oldest message held, where its consumer finds the loss: moved up
        // to it, the consumer would read on without a word. An operator's rewind never moves a position up either.
        var resumed = stage.Consumer(group);
        stage.Start(resumed.RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count == 2, "the second message applied");
        Assert.Equal(1, resumed.Stats.OffsetResets);
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        var alerts = (await conn.QueryAsync<string>(
            $"SELECT convert_from(payload, 'UTF8') FROM {stage.Schema}.outbox WHERE topic = @alerts",
            new { alerts = Topics.Alerts })).ToList();
        var alert = Assert.Single(alerts);
        Assert.Contains("\"severity\":\"critical\"", alert);
        Assert.Contains(InboxConsumer.OffsetResetCode, alert);
        Assert.Contains($"{stage.Topic} [0]", alert);
        Assert.Contains("never applied here", alert);
        Assert.Contains("cpctl outbox republish --worker", alert);
    }

    [Fact]
    public async Task
        A_failing_after_commit_action_in_a_batch_stops_the_consumer_with_one_critical_alert_and_applies_nothing_twice()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 1);
        var messages = Enumerable.Range(1, 4).Select(i =>
            TestEvent.Message(stage.Topic, new TestEvent("k", i, i == 2 ? TestEvent.AfterCommitBug : null))).ToList();
        await stage.EnqueueAsync(messages);
        Assert.Equal(4, await stage.Relay().PublishBatchAsync(CancellationToken.None));
        const string group = "after-commit-group";

        // The batch committed; memory could not follow, so the loop stops rather than go on disagreeing.
        var stopped = await Assert.ThrowsAsync<WorkerStoppedException>(() =>
            stage.Consumer(group).RunAsync(CancellationToken.None));
        Assert.Contains("memory of k/2 broke", stopped.Message);
        Assert.Equal([1, 2, 3, 4], (await stage.AppliedAsync()).Select(a => a.Seq));
        await using (var conn = await fixture.DataSource.OpenConnectionAsync())
        {
            var alert = Assert.Single(await conn.QueryAsync<string>(
                $"SELECT convert_from(payload, 'UTF8') FROM {stage.Schema}.outbox WHERE topic = @alerts",
                new { alerts = Topics.Alerts }));
            Assert.Contains("worker_stopped_on_bug", alert);
        }

        // Restarted (memory rebuilt) after its stored position is moved back to the start, as an applied rewind
        // moves it: the same messages are read again and applied no second time.
        await RewindPositionsAsync(stage, group);
        var second = stage.Consumer(group);
        stage.Start(second.RunAsync);
        await Eventually.UntilAsync(() => second.Stats.Duplicates >= 4, "the four messages read again and skipped");
        Assert.Equal([1, 2, 3, 4], (await stage.AppliedAsync()).Select(a => a.Seq));
    }

    [Fact]
    public async Task A_handler_cut_short_by_a_shutdown_is_no_failure_and_its_message_is_applied_once_after_a_restart()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 1);
        var messages = Enumerable.Range(1, 3).Select(i =>
            TestEvent.Message(stage.Topic, new TestEvent("k", i, i == 2 ? TestEvent.SlowOnce : null))).ToList();
        await stage.EnqueueAsync(messages);
        Assert.Equal(3, await stage.Relay().PublishBatchAsync(CancellationToken.None));
        const string group = "shutdown-group";

        var first = stage.Start(stage.Consumer(group).RunAsync);
        await stage.Effects.SlowStarted.Task.WaitAsync(Eventually.Patience);
        // A normal stop while the handler waits: the loop ends quietly, not as a bug, and the
        // transaction the slow one was applied in is rolled back. The first may have come in a
        // fetch of its own, and been committed in a batch before it: nothing from the slow one on.
        await first.StopAsync();
        await using (var conn = await fixture.DataSource.OpenConnectionAsync())
            Assert.Equal(0, await conn.ExecuteScalarAsync<long>(
                $"SELECT count(*) FROM {stage.Schema}.outbox WHERE topic = @alerts", new { alerts = Topics.Alerts }));
        Assert.DoesNotContain(await stage.AppliedAsync(), a => a.Seq >= 2);

        stage.Start(stage.Consumer(group).RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count == 3,
            "every message applied after the restart");
        Assert.Equal([1, 2, 3], (await stage.AppliedAsync()).Select(a => a.Seq));
    }

    [Fact]
    public async Task A_batch_handler_applies_a_run_of_messages_in_one_call()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 1, batchHandler: true);
        var messages = Events(stage.Topic, keys: 5, perKey: 100);
        await stage.EnqueueAsync(messages);
        stage.Start(stage.Relay().RunAsync);
        stage.Start(stage.Consumer(batchSizeMax: 250).RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= messages.Count, "all applied");

        var applied = await stage.AppliedAsync();
        Assert.Equal(messages.Count, applied.Select(a => a.MessageId).Distinct().Count());
        foreach (var key in applied.GroupBy(a => a.Key)) Assert.Equal(Enumerable.Range(1, 100), key.Select(a => a.Seq));
        Assert.InRange(((BatchTestEffects)stage.Effects).Runs, 2, messages.Count / 2);
    }

    [Fact]
    public async Task Bad_input_goes_to_the_dead_letter_topic_with_its_reason_and_accepted_data_is_unchanged()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 1);
        var good1 = TestEvent.Message(stage.Topic, new TestEvent("k", 1));
        var good2 = TestEvent.Message(stage.Topic, new TestEvent("k", 2));
        using var producer = fixture.Producer();

        await Produce(producer, stage.Topic, good1.Payload, good1.Headers);
        await Produce(producer, stage.Topic, good1.Payload,
            [.. good1.Headers.Where(h => h.Name != MessageHeaders.MessageId)]);
        await Produce(producer, stage.Topic, good1.Payload,
            Replace(good1.Headers, MessageHeaders.Type, "Bogus", MessageHeaders.MessageId, "bad-type"));
        await Produce(producer, stage.Topic, "{not json"u8.ToArray(),
            Replace(good1.Headers, MessageHeaders.MessageId, "bad-body"));
        await Produce(producer, stage.Topic, good1.Payload,
            Replace(good1.Headers, MessageHeaders.SchemaVersion, "2", MessageHeaders.MessageId, "too-new"));
        await Produce(producer, stage.Topic, good1.Payload,
            Replace(good1.Headers, MessageHeaders.OccurredAt, "yesterday", MessageHeaders.MessageId, "bad-time"));
        await Produce(producer, stage.Topic, good1.Payload, good1.Headers);
        await Produce(producer, stage.Topic, good2.Payload, good2.Headers);

        // Dead letters leave through the outbox, in the same transaction as their inbox row.
        stage.Start(stage.Relay().RunAsync);
        var consumer = stage.Consumer();
        stage.Start(consumer.RunAsync);
        await Eventually.UntilAsync(() => consumer.Stats.Received >= 8, "all eight messages consumed");
        var dead = fixture.ReadAll(stage.Topic + ".dlq", 5);

        Assert.Equal(
            [
                "missing header message-id",
                "unknown message type 'Bogus' on " + stage.Topic,
                "unreadable body for TestEventHappened: ",
                "schema version 2 of TestEventHappened is newer than this consumer reads (at most 1)",
                "header occurred-at 'yesterday' is not yyyy-MM-dd'T'HH:mm:ss.fff'Z'",
            ],
            dead.OrderBy(d => d.Offset.Value).Select(d => HeaderOf(d, MessageHeaders.DeadLetterReason) is var r
                && r.StartsWith("unreadable body", StringComparison.Ordinal)
                ? r[..("unreadable body for TestEventHappened: ".Length)] : r));
        Assert.Equal([1, 2], (await stage.AppliedAsync()).Select(a => a.Seq));
        Assert.Equal(1, consumer.Stats.Duplicates);
    }

    [Fact]
    public async Task A_refused_message_read_again_after_a_crash_is_dead_lettered_once()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 1);
        var good = TestEvent.Message(stage.Topic, new TestEvent("k", 1));
        using var producer = fixture.Producer();
        await Produce(producer, stage.Topic, good.Payload,
            Replace(good.Headers, MessageHeaders.Type, "Bogus", MessageHeaders.MessageId, "bad-type"));
        await Produce(producer, stage.Topic, good.Payload, good.Headers);

        // The first consumer refuses one message (and may apply the other), commits, and dies
        // before storing its offsets; its stored position is then moved back to the start (as an applied
        // rewind moves it), so the next one reads both again.
        var group = stage.Schema + ".crashing";
        var crashing = new CrashPoints(null)
            { Action = p => { if (p == CrashPoints.ConsumerAfterCommit) throw new SimulatedCrashException(p); } };
        await Assert.ThrowsAsync<SimulatedCrashException>(() =>
            stage.Consumer(group, crashing).RunAsync(CancellationToken.None));
        await RewindPositionsAsync(stage, group);
        var second = stage.Consumer(group);
        stage.Start(second.RunAsync);
        // The first consumer may have crashed after its first batch held the refused message alone: then the good
        // one is applied now, for the first time, rather than skipped as a duplicate.
        await Eventually.UntilAsync(() => second.Stats.DeadLettersSkipped + second.Stats.Duplicates
            + second.Stats.Applied >= 2, "both messages read again and handled", TimeSpan.FromMinutes(3));
        stage.Start(stage.Relay().RunAsync);
        await Eventually.UntilAsync(async () => await stage.UnsentAsync() == 0, "the outbox relayed");

        // Refused once and skipped as a dead letter when read again, published once; the good message
        // was applied once.
        Assert.Equal((1L, 1L), (second.Stats.DeadLettersSkipped, second.Stats.Duplicates + second.Stats.Applied));
        Assert.Single(fixture.ReadToEnd(stage.Topic + ".dlq"));
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await conn.ExecuteScalarAsync<long>(
            $"SELECT count(*) FROM {stage.Schema}.outbox WHERE topic = @t", new { t = stage.Topic + ".dlq" }));
        Assert.Equal(("dead_lettered", 1), await conn.QueryFirstAsync<(string, int)>(
            $"SELECT outcome, dead_letter_count FROM {stage.Schema}.inbox WHERE message_id = 'bad-type'"));
        Assert.Equal([1], (await stage.AppliedAsync()).Select(a => a.Seq));
    }

    [Fact]
    public async Task A_message_too_large_to_pass_on_is_dead_lettered_without_its_body_and_nothing_waits_behind_it()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 1);
        var good1 = TestEvent.Message(stage.Topic, new TestEvent("k", 1));
        var good2 = TestEvent.Message(stage.Topic, new TestEvent("k", 2));
        // A producer configured past the usual limits, as a misconfigured one could be; the local
        // broker takes what it is given (keeping about 5 MB per partition, so 1.5 MB here).
        var config = ContestPipeline.Plumbing.Kafka.KafkaClients.ProducerConfig(fixture.BootstrapServers, "oversized");
        config.MessageMaxBytes = 16_000_000;
        using var producer = ContestPipeline.Plumbing.Kafka.KafkaClients.Producer(config,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var huge = Encoding.UTF8.GetBytes("{\"key\":\"k\",\"seq\":9,\"pad\":\"" + new string('x', 1_500_000) + "\"}");
        // Readable and under the bound, but its dead letter (the original plus the dlq-* headers) would not be.
        var poison = Encoding.UTF8.GetBytes("{\"key\":\"k\",\"seq\":8,\"behaviour\":\"poison\",\"pad\":\"" +
            new string('y', 999_000) + "\"}");

        await Produce(producer, stage.Topic, good1.Payload, good1.Headers);
        await Produce(producer, stage.Topic, huge, Replace(good1.Headers, MessageHeaders.MessageId, "huge"));
        await Produce(producer, stage.Topic, poison,
            Replace(good1.Headers, MessageHeaders.MessageId, "poison-near-the-limit"));
        await Produce(producer, stage.Topic, good2.Payload, good2.Headers);

        stage.Start(stage.Relay().RunAsync);
        var consumer = stage.Consumer();
        stage.Start(consumer.RunAsync);
        await Eventually.UntilAsync(async () =>
            (await stage.AppliedAsync()).Count == 2 && consumer.Stats.DeadLettered == 2,
            $"two applied, two dead-lettered (so far received {consumer.Stats.Received}, applied " +
            $"{consumer.Stats.Applied}, dead-lettered {consumer.Stats.DeadLettered})");
        var dead = fixture.ReadAll(stage.Topic + ".dlq", 2).OrderBy(d => d.Offset.Value).ToList();

        Assert.Equal(["huge", "poison-near-the-limit"], dead.Select(d => HeaderOf(d, MessageHeaders.MessageId)));
        Assert.Matches(@"^message of [\d,]+ bytes; at most 1,000,000 are read$",
            HeaderOf(dead[0], MessageHeaders.DeadLetterReason));
        Assert.Equal("poison message k/8", HeaderOf(dead[1], MessageHeaders.DeadLetterReason));
        foreach (var (d, body) in dead.Zip([huge, poison]))
        {
            Assert.True(d.Message.Value is null || d.Message.Value.Length == 0);
            Assert.Equal("k", Encoding.UTF8.GetString(d.Message.Key!));
            Assert.Equal(
                $"body ({body.Length:N0} bytes, sha256 " +
                $"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body))}): " +
                $"too large for a message of at most 1,000,000 bytes; the original is at " +
                $"{stage.Topic}/0@{HeaderOf(d, MessageHeaders.DeadLetterOriginalOffset)}",
                HeaderOf(d, MessageHeaders.DeadLetterOmitted));
        }
        Assert.Equal(["1", "2"], dead.Select(d => HeaderOf(d, MessageHeaders.DeadLetterOriginalOffset)));
        Assert.Equal([1, 2], (await stage.AppliedAsync()).Select(a => a.Seq));
        // The relay delivered everything: nothing is left behind retrying forever.
        await Eventually.UntilAsync(async () => await stage.UnsentAsync() == 0, "the outbox drained");
    }

    [Fact]
    public void A_message_too_large_to_deliver_is_never_written_to_the_outbox()
    {
        var context = new HandlerContext(null!, null!, TimeProvider.System);
        var big = new OutgoingMessage("big-1", "games", "g1"u8.ToArray(), "GameScheduled",
            new byte[Limits.MessageBytesMax], []);

        var refused = Assert.Throws<MessageRejectedException>(() => context.Publish(big));

        Assert.Equal("it would publish GameScheduled big-1 on games of 1,000,130 bytes; a message is at most 1,000,000",
            refused.Reason);
        context.Publish(big with { Payload = new byte[1_000] });
    }

    [LocalBrokerFact("it takes a broker down and brings it back")]
    public async Task Broker_down_for_seconds_and_back_loses_nothing_and_applies_nothing_twice()
    {
        await using var stage = await Stage.CreateAsync(fixture);
        // A delivery not confirmed within 2 s counts as failed, so an outage of seconds is
        // felt by the relay: its rows stay unsent with their error, and go out again later.
        stage.Start(stage.Relay(deliveryTimeout: TimeSpan.FromSeconds(2)).RunAsync);
        var consumer = stage.Consumer();
        stage.Start(consumer.RunAsync);

        var messages = Events(stage.Topic, keys: 8, perKey: 40);
        var batches = messages.Chunk(20).ToList();
        var before = batches[..5];
        var during = batches[5..13];
        var after = batches[13..];
        foreach (var batch in before) await stage.EnqueueAsync(batch);
        var beforeCount = before.Sum(b => b.Length);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count == beforeCount
            && await stage.UnsentAsync() == 0,
            "the messages written before the outage applied and marked sent");

        await fixture.Broker.Control.BrokerDownAsync(-1);
        try
        {
            // Writers go on while every broker is down (for 4 s at least): the outbox takes it all.
            foreach (var batch in during)
            {
                await stage.EnqueueAsync(batch);
                await Task.Delay(500);
            }
            await Eventually.UntilAsync(async () => await stage.DeliveryFailedAsync(),
                "the relay to record a failed delivery while the brokers are down");

            // The outage was felt: nothing written during it was applied, or marked sent.
            Assert.Equal(beforeCount, (await stage.AppliedAsync()).Count);
            Assert.Equal(during.Sum(b => b.Length), await stage.UnsentAsync());
        }
        finally
        {
            // The broker is shared with the collection's other tests: it comes back whatever happened.
            await fixture.Broker.Control.BrokerUpAsync(-1);
        }
        foreach (var batch in after) await stage.EnqueueAsync(batch);

        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= messages.Count
            && await stage.UnsentAsync() == 0,
            "every message applied and the outbox drained after the outage");
        var applied = await stage.AppliedAsync();
        Assert.Equal(messages.Count, applied.Count);
        Assert.Equal(messages.Select(m => m.OutboxId).Order(StringComparer.Ordinal),
            applied.Select(a => a.MessageId).Order(StringComparer.Ordinal));
        foreach (var key in applied.GroupBy(a => a.Key))
            Assert.Equal(Enumerable.Range(1, 40), key.Select(a => a.Seq));
    }

    [Fact]
    public async Task A_member_joining_and_another_shut_down_mid_stream_lose_nothing_and_apply_nothing_twice()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 4);
        stage.Start(stage.Relay().RunAsync);
        var first = stage.Consumer();
        var firstRun = stage.Start(first.RunAsync);

        // Messages go on flowing throughout: a round is the next message of each of 24 keys.
        const int keys = 24;
        var sent = new List<OutgoingMessage>();
        var rounds = 0;
        async Task FeedAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                rounds++;
                var round = Enumerable.Range(1, keys)
                    .Select(k => TestEvent.Message(stage.Topic, new TestEvent($"k{k}", rounds))).ToList();
                await stage.EnqueueAsync(round);
                sent.AddRange(round);
                await Task.Delay(50);
            }
        }
        // Messages go on arriving while the test waits.
        Task FeedUntilAsync(Func<bool> condition, string what) => Eventually.UntilAsync(async () =>
        {
            if (condition()) return true;
            await FeedAsync(1);
            return false;
        }, what);

        await FeedUntilAsync(() => first.Stats.Applied > 0, "the first member to apply messages");
        // A second member joins the group: the partitions are shared out again mid-stream.
        var second = stage.Consumer();
        stage.Start(second.RunAsync);
        await FeedUntilAsync(() => second.Stats.Applied > 0,
            "the second member to be given partitions and apply messages");
        await FeedAsync(5);
        // The first member is shut down as a worker is: cancelled, it finishes the batch in
        // hand, and Close commits its stored offsets and leaves the group. Its partitions move
        // to the second member while messages go on arriving.
        await firstRun.StopAsync();
        await FeedAsync(10);

        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= sent.Count
            && await stage.UnsentAsync() == 0,
            "every message applied after the first member left");
        var applied = await stage.AppliedAsync();
        Assert.Equal(sent.Count, applied.Count);
        Assert.Equal(sent.Select(m => m.OutboxId).Order(StringComparer.Ordinal),
            applied.Select(a => a.MessageId).Order(StringComparer.Ordinal));
        foreach (var key in applied.GroupBy(a => a.Key))
            Assert.Equal(Enumerable.Range(1, rounds), key.Select(a => a.Seq));
        // Both members did part of the work, and between them applied each message once.
        Assert.Equal(sent.Count, first.Stats.Applied + second.Stats.Applied);
    }

    [LocalBrokerFact("it injects request errors and moves partition leaders")]
    public async Task Request_errors_and_a_leader_change_mid_stream_lose_nothing_and_apply_nothing_twice()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 2);
        stage.Start(stage.Relay(batchSizeMax: 50).RunAsync);
        var consumer = stage.Consumer();
        stage.Start(consumer.RunAsync);

        var messages = Events(stage.Topic, keys: 6, perKey: 40);
        var batches = messages.Chunk(20).ToList();
        for (var i = 0; i < batches.Count; i++)
        {
            // Produce (api key 0) answers NOT_LEADER_OR_FOLLOWER (6) and REQUEST_TIMED_OUT (7) for a while;
            // fetches (api key 1) fail once; then both partitions' leaders move to another broker.
            if (i == 2) await fixture.Broker.Control.PushRequestErrorsAsync(0, 6, 7, 6, 7);
            if (i == 4) await fixture.Broker.Control.PushRequestErrorsAsync(1, 6);
            if (i == 6)
            {
                await fixture.Broker.Control.SetLeaderAsync(stage.Topic, 0, 2);
                await fixture.Broker.Control.SetLeaderAsync(stage.Topic, 1, 3);
            }
            await stage.EnqueueAsync(batches[i]);
            await Task.Delay(150);
        }

        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= messages.Count,
            "every message applied despite the faults");
        var applied = await stage.AppliedAsync();
        Assert.Equal(messages.Count, applied.Count);
        Assert.Equal(messages.Count, applied.Select(a => a.MessageId).Distinct().Count());
        foreach (var key in applied.GroupBy(a => a.Key))
            Assert.Equal(Enumerable.Range(1, 40), key.Select(a => a.Seq));
    }

    private static async Task Produce(IProducer<byte[]?, byte[]?> producer, string topic, byte[]? value,
        IEnumerable<Header> headers)
    {
        var h = new Headers();
        foreach (var header in headers) h.Add(header.Name, header.Value);
        await producer.ProduceAsync(topic,
            new Message<byte[]?, byte[]?> { Key = "k"u8.ToArray(), Value = value, Headers = h });
    }

    private static List<Header> Replace(IReadOnlyList<Header> headers, params string[] nameValues)
    {
        var list = headers.ToList();
        for (var i = 0; i < nameValues.Length; i += 2)
        {
            list.RemoveAll(h => h.Name == nameValues[i]);
            list.Add(Header.Text(nameValues[i], nameValues[i + 1]));
        }
        return list;
    }

    private static string HeaderOf(ConsumeResult<byte[]?, byte[]?> r, string name) =>
        r.Message.Headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : "";

    /// <summary>Moves the group's stored positions on the stage's topic back to its beginning.</summary>
    private async Task RewindPositionsAsync(Stage stage, string group)
    {
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        Assert.True(await conn.ExecuteAsync(
            $"UPDATE {stage.Schema}.consumer_positions SET next_offset = 0 WHERE consumer = @group AND topic = @topic",
            new { group, topic = stage.Topic }) > 0, $"{group} has no stored position to move back");
    }
}
