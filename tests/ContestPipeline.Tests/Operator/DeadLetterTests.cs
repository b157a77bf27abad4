using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Local.Bench;
using ContestPipeline.Local.Broker;
using ContestPipeline.Local.Demo;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;
using ContestPipeline.Cpctl.Messages;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;

namespace ContestPipeline.Tests.Operator;

/// <summary>
/// cpctl dlq list and redrive against real workers. The dead letter is one an operator meets:
/// a cancel for a contest whose definition is parked (its game is not on the feed yet), so
/// Ingestion does not know the contest and rejects the cancel. Once the feed schedules the
/// game the contest exists, and the re-driven cancel applies, once.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class DeadLetterTests(PipelineFixture fixture)
{
    [Fact]
    public async Task
        A_cancel_rejected_before_its_contest_existed_is_redriven_after_and_applies_once_however_often_it_is_redriven()
    {
        await using var run = await ContestRun.StartAsync(fixture, 7, "ingestion", "scoring");
        var bootstrap = run.Iso.Broker.BootstrapServers;
        var lockAt = DateTimeOffset.UtcNow.AddMinutes(10);
        run.World.Define(Fantasy("late", lockAt, ["g9"]));
        await WaitAsync(run, "ingestion.parked_contests",
            "SELECT EXISTS (SELECT 1 FROM ingestion.parked_contests WHERE contest_id = 'late')",
            "the definition parked until g9 is scheduled");
        run.World.Cancel("late", "sponsor withdrew");
        await Eventually.UntilAsync(() =>
            DlqCommand.Read(bootstrap, ["contests.dlq"], CancellationToken.None).Count == 1,
            "the cancel on contests.dlq");
        var dead = Assert.Single(DlqCommand.Read(bootstrap, ["contests.dlq"], CancellationToken.None));
        AssertListed(bootstrap, dead);

        // The cause goes away: the feed schedules g9, and the parked definition is accepted.
        run.World.Schedule("g9", 1, lockAt.AddMinutes(5), "qb1", "rb1");
        await run.WaitForStateAsync("late", "SCHEDULED");

        var contestsEnd = TopicEnd(run, Topics.Contests);
        var (code, said, _) = Run(w => DlqCommand.Redrive(bootstrap, "contests", dead.Partition, dead.Offset, false,
            true, w.Out, w.Err, CancellationToken.None, Granted));
        Assert.Equal(0, code);
        Assert.Contains($"would re-drive {dead.Where} (cancel:late, " +
            $"{ContestCancelRequested.MessageType}) to contests/{dead.OriginalPartition}", said);
        Assert.Equal(contestsEnd, TopicEnd(run, Topics.Contests));

        // Without an operator's grant, with one the consumer cannot verify, or with a viewer's (a re-drive is an
        // admin's), the message is skipped as dead-lettered.
        foreach (var grant in new Func<DlqCommand.DeadLetter, byte[]?>[] { _ => null, Forged, ByViewer })
        {
            Assert.Equal(0, Run(w => DlqCommand.Redrive(bootstrap, "contests", dead.Partition, dead.Offset, false,
                false, w.Out, w.Err, CancellationToken.None, grant)).Code);
            await Eventually.UntilAsync(() =>
                PipelineFixture.Lag(bootstrap, "ingestion.contests", Topics.Contests) == 0,
                "ingestion.contests to read the re-drive without a valid grant");
        }
        Assert.Equal("SCHEDULED", await run.StateAsync("late"));
        Assert.Equal("dead_lettered", (await InboxRowAsync(run)).Outcome);

        (code, said, _) = Run(w => DlqCommand.Redrive(bootstrap, "contests.dlq", dead.Partition, dead.Offset, false,
            false, w.Out, w.Err, CancellationToken.None, Granted));
        Assert.Equal(0, code);
        Assert.Contains($"re-drove {dead.Where} (cancel:late, " +
            $"{ContestCancelRequested.MessageType}) to contests/{dead.OriginalPartition}@", said);
        await run.WaitForStateAsync("late", "CANCELLED");
        var applied = await InboxRowAsync(run);
        Assert.Equal(("applied", 1), (applied.Outcome, applied.DeadLetterCount));

        AssertRedrivenIsTheOriginal(run, dead);
        await AssertRedrivingAgainChangesNothingAsync(run, dead, contestsEnd, applied);
    }

    /// <summary>cpctl dlq list shows the dead letter, where it came from and why, under its topic and in the
    /// total.</summary>
    private static void AssertListed(string bootstrap, DlqCommand.DeadLetter dead)
    {
        var (code, listed, _) = Run(w => DlqCommand.List(bootstrap, "contests", w.Out, w.Err, CancellationToken.None));
        Assert.Equal(0, code);
        var line = Assert.Single(listed.Split('\n'), l => l.StartsWith(dead.Where, StringComparison.Ordinal));
        foreach (var part in new[] { $"contests/{dead.OriginalPartition}@{dead.OriginalOffset}", "cancel:late",
            ContestCancelRequested.MessageType,
                     "ingestion.contests", "cannot cancel unknown contest late" })
            Assert.Contains(part, line);
        Assert.Contains("contests.dlq: 1 dead letter(s)", listed);
        (code, listed, _) = Run(w => DlqCommand.List(bootstrap, null, w.Out, w.Err, CancellationToken.None));
        Assert.Equal(0, code);
        Assert.Contains("provider.feed.dlq: 0 dead letter(s)", listed);
        Assert.Contains($"1 dead letter(s) in {Topics.All.Count / 2} topic(s)", listed);
    }

    /// <summary>The re-driven message is the original: same key, body and envelope, no dead-letter headers.</summary>
    private static void AssertRedrivenIsTheOriginal(ContestRun run, DlqCommand.DeadLetter dead)
    {
        var redriven = run.World.Read(Topics.Contests).Last(m => m.Type == ContestCancelRequested.MessageType);
        Assert.Equal("late", redriven.Key);
        Assert.DoesNotContain(redriven.Headers.Keys, k => k.StartsWith("dlq-", StringComparison.Ordinal));
        foreach (var h in new[] { MessageHeaders.MessageId, MessageHeaders.Type, MessageHeaders.SchemaVersion,
            MessageHeaders.CorrelationId, MessageHeaders.OccurredAt })
            Assert.Equal(dead.Header(h), redriven.Headers[h]);
    }

    /// <summary>Re-driving again (one and all) changes nothing: the inbox knows the message as applied.</summary>
    private static async Task AssertRedrivingAgainChangesNothingAsync(ContestRun run, DlqCommand.DeadLetter dead,
        long contestsEnd, (string Outcome, int DeadLetterCount, DateTime ProcessedAt) applied)
    {
        var bootstrap = run.Iso.Broker.BootstrapServers;
        Assert.Equal(0, Run(w => DlqCommand.Redrive(bootstrap, "contests", dead.Partition, dead.Offset, false, false,
            w.Out, w.Err, CancellationToken.None, Granted)).Code);
        var (code, said, _) = Run(w => DlqCommand.Redrive(bootstrap, "contests", null, null, true, false, w.Out,
            w.Err, CancellationToken.None, Granted));
        Assert.Equal(0, code);
        Assert.Contains("re-drove 1 dead letter(s) from contests.dlq", said);
        Assert.Equal(contestsEnd + 6, TopicEnd(run, Topics.Contests));
        await Eventually.UntilAsync(() => PipelineFixture.Lag(bootstrap, "ingestion.contests", Topics.Contests) == 0,
            "ingestion.contests to consume the re-driven copies");
        Assert.Equal(applied, await InboxRowAsync(run));
        Assert.Single(DlqCommand.Read(bootstrap, ["contests.dlq"], CancellationToken.None));
        Assert.Single(run.World.Read(Topics.ContestLifecycle), m => m.Type == ContestCancelRequested.MessageType
            && m.Key == "late");
        Assert.Equal("CANCELLED", await run.StateAsync("late"));
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        Assert.Equal("cancelled",
            await conn.ExecuteScalarAsync<string>("SELECT status FROM ingestion.contests WHERE contest_id = 'late'"));
    }

    [Fact]
    public async Task Redrive_names_one_dead_letter_or_all_and_says_so_when_there_is_none_there()
    {
        var bootstrap = fixture.BootstrapServers;
        var topic = await fixture.NewTopicAsync(1);
        var (code, _, error) = Run(w =>
            DlqCommand.Redrive(bootstrap, topic, 0, null, false, false, w.Out, w.Err, CancellationToken.None, Granted));
        Assert.Equal((1, $"dlq redrive: name one dead letter with --partition P --offset N (as dlq list prints " +
            $"them), or every one with --all{Environment.NewLine}"), (code, error));
        (code, _, error) = Run(w =>
            DlqCommand.Redrive(bootstrap, topic, 0, 5, false, false, w.Out, w.Err, CancellationToken.None, Granted));
        Assert.Equal(1, code);
        Assert.StartsWith($"dlq redrive: no dead letter at {topic}.dlq/0@5", error);
        // The provider's feed is not signed: a re-drive would be believed as the provider's, so cpctl has no write
        // there.
        (code, _, error) = Run(w => DlqCommand.Redrive(bootstrap, Topics.ProviderFeed, null, null, true, false, w.Out,
            w.Err, CancellationToken.None, Granted));
        Assert.Equal((1, $"dlq redrive: provider.feed is not signed, " +
            $"so an operator does not re-drive its dead letters: the provider re-sends its feed{Environment.NewLine}"),
            (code, error));
        (code, _, error) = Run(w => DlqCommand.List(bootstrap, "no.such.topic", w.Out, w.Err, CancellationToken.None));
        Assert.Equal((1, $"dlq list: no dead-letter topic no.such.topic.dlq on the broker{Environment.NewLine}"),
            (code, error));
    }

    /// <summary>A grant signed by the local operator ann, whose key the local workers hold.</summary>
    private static byte[]? Granted(DlqCommand.DeadLetter d) =>
        DlqCommand.Grant(LocalSigningKeys.Operator("ann"), d, "cause fixed", DateTimeOffset.UtcNow);

    /// <summary>A grant under a viewer's own key, which the workers hold.</summary>
    private static byte[]? ByViewer(DlqCommand.DeadLetter d) =>
        DlqCommand.Grant(LocalSigningKeys.Operator("viewer"), d, "cause fixed", DateTimeOffset.UtcNow);

    /// <summary>A grant in ann's name under a key nobody issued to the workers.</summary>
    private static byte[]? Forged(DlqCommand.DeadLetter d) =>
        DlqCommand.Grant(OperatorKey.Generate("ann", "forged", OperatorRoles.Admin), d, "cause fixed",
            DateTimeOffset.UtcNow);

    private static async Task<(string Outcome, int DeadLetterCount, DateTime ProcessedAt)> InboxRowAsync(ContestRun run)
    {
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        return await conn.QueryFirstAsync<(string, int, DateTime)>(
            "SELECT outcome, dead_letter_count, processed_at FROM ingestion.inbox " +
            "WHERE consumer = 'ingestion.contests' AND message_id = 'cancel:late'");
    }

    private static long TopicEnd(ContestRun run, string topic)
    {
        var config =
            ContestPipeline.Plumbing.Kafka.KafkaClients.ConsumerConfig(run.Iso.Broker.BootstrapServers, "tests.end");
        using var consumer = ContestPipeline.Plumbing.Kafka.KafkaClients.ConsumerBuilder(config,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).Build();
        return Enumerable.Range(0, Topics.PartitionCountDefault)
            .Sum(p => consumer.QueryWatermarkOffsets(new Confluent.Kafka.TopicPartition(topic, p),
                TimeSpan.FromSeconds(10)).High.Value);
    }

    /// <summary>Waits until <paramref name="table"/> exists (its worker has migrated) and <paramref name="sql"/> holds.
    /// </summary>
    internal static Task WaitAsync(ContestRun run, string table, string sql, string what) =>
        Eventually.UntilAsync(async () =>
        {
            await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
            return await conn.ExecuteScalarAsync<bool>("SELECT to_regclass(@table) IS NOT NULL", new { table })
                && await conn.ExecuteScalarAsync<bool>(sql);
        }, what);

    internal sealed record Writers(StringWriter Out, StringWriter Err);

    /// <summary>Runs a command's code with its output captured: exit code, stdout, stderr.</summary>
    internal static (int Code, string Output, string Error) Run(Func<Writers, int> command)
    {
        var w = new Writers(new StringWriter(), new StringWriter());
        var code = command(w);
        return (code, w.Out.ToString(), w.Err.ToString());
    }
}
