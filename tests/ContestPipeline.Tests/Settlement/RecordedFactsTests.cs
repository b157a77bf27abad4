using ContestPipeline.Local.Demo;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Settlement;

/// <summary>
/// A fact Settlement keeps once (a contest's definition, a chunk of final standings, a correction report) arriving
/// again: the same one is a redelivery and changes nothing; another one under the same key is refused with a
/// critical alert, never absorbed by the table's key. Through the real Settlement worker.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class RecordedFactsTests(PipelineFixture fixture)
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 18, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_same_fact_again_changes_nothing_and_another_under_its_key_is_refused()
    {
        await using var run = await ContestRun.StartAsync(fixture, 7, "settlement");
        var definition =
            Fantasy("kept", At, ["g1"]) with { PrizeTable = new PrizeTable(PrizeTableKinds.WinnerTakesAll) };
        Schedule(run, definition, "first");
        Schedule(run, definition, "again");
        Schedule(run, definition with { EntryFeeMinor = 50 * Fee }, "other");

        StandingRow[] rows = [new(1, "e-ada", "ada", 9_000), new(2, "e-bo", "bo", 1_000)];
        Chunk(run, new FinalStandingsPublished("kept", 0, 2, rows), "first");
        Chunk(run, new FinalStandingsPublished("kept", 0, 2, rows), "again");
        Chunk(run, new FinalStandingsPublished("kept", 0, 2, [rows[1] with { Rank = 1 }, rows[0] with { Rank = 2 }]),
            "other");

        var report = new StandingsCorrectionReported("kept",
            new StatCorrectionRecorded("g1", 8, "te1", "receptions", 2, 100), 1,
            "final", "corrected", 1, [new StandingChange("e-bo", "bo", 2, 1_000, 1, 10_000)], At);
        Report(run, report, "first");
        Report(run, report with { ReportedAt = At.AddHours(1) }, "again");   // reported again by a rebuild, later
        Report(run, report with { ChangedCount = 0, Changes = [] }, "other");

        var lifecycle = await DeadLettersAsync(run, Topics.ContestLifecycle, 1);
        var standings = await DeadLettersAsync(run, Topics.Standings, 2);
        Assert.Contains("contest kept is already scheduled in Settlement with another definition",
            lifecycle[0].Headers[MessageHeaders.DeadLetterReason]);
        Assert.Equal(["fact:other:chunk", "fact:other:report"],
            standings.Select(d => d.Headers[MessageHeaders.MessageId]).Order(StringComparer.Ordinal));
        Assert.Contains(standings, d => d.Headers[MessageHeaders.DeadLetterReason].Contains(
            "final standings of contest kept: chunk 0 of 2 is already kept with other rows", StringComparison.Ordinal));
        Assert.Contains(standings, d => d.Headers[MessageHeaders.DeadLetterReason].Contains(
            "correction report 1 of contest kept is already kept with other content", StringComparison.Ordinal));
        await Eventually.UntilAsync(() => run.World.Read(Topics.Alerts)
            .Count(a => a.Body.GetProperty("severity").GetString() == AlertSeverities.Critical
                && a.Body.GetProperty("message")
                    .GetString()!.Contains("refused, nothing changes", StringComparison.Ordinal)),
            n => n == 3, "three critical alerts");

        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        Assert.Equal(Fee, await conn.ExecuteScalarAsync<long>(
            "SELECT (definition ->> 'entryFeeMinor')::bigint FROM settlement.contests WHERE contest_id = 'kept'"));
        Assert.Equal("e-ada", await conn.ExecuteScalarAsync<string>(
            "SELECT rows::jsonb -> 0 ->> 'entryId' FROM settlement.standings_chunks WHERE contest_id = 'kept' " +
            "AND chunk_index = 0"));
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>(
            "SELECT (report ->> 'changedCount')::int FROM settlement.correction_reports WHERE contest_id = 'kept'"));

        // A chunk kept as jsonb before settlement/0011 reads back with jsonb's spacing: the same rows delivered
        // again are still the same fact. Other rows are refused after it, in the partition's order.
        await conn.ExecuteAsync(
            "UPDATE settlement.standings_chunks SET rows = rows::jsonb::text WHERE contest_id = 'kept'");
        Assert.Contains("\"rank\": 1", await conn.ExecuteScalarAsync<string>(
            "SELECT rows FROM settlement.standings_chunks WHERE contest_id = 'kept'"));
        Chunk(run, new FinalStandingsPublished("kept", 0, 2, rows), "respaced");
        Chunk(run, new FinalStandingsPublished("kept", 0, 2, [rows[0]]), "shorter");
        standings = await DeadLettersAsync(run, Topics.Standings, 3);
        Assert.Equal(["fact:other:chunk", "fact:other:report", "fact:shorter:chunk"],
            standings.Select(d => d.Headers[MessageHeaders.MessageId]).Order(StringComparer.Ordinal));
    }

    private static void Schedule(ContestRun run, ContestDefined definition, string which) =>
        run.World.Publish(Topics.ContestLifecycle, definition.ContestId, ContestScheduled.MessageType,
            $"fact:{which}:schedule", new ContestScheduled(OutsideWorld.Sealed(definition)));

    private static void Chunk(ContestRun run, FinalStandingsPublished chunk, string which) =>
        run.World.Publish(Topics.Standings, chunk.ContestId, FinalStandingsPublished.MessageType,
            $"fact:{which}:chunk", chunk);

    private static void Report(ContestRun run, StandingsCorrectionReported report, string which) =>
        run.World.Publish(Topics.Standings, report.ContestId, StandingsCorrectionReported.MessageType,
            $"fact:{which}:report", report);

    private static Task<List<ContestPipeline.Local.Demo.OutsideWorld.Published>> DeadLettersAsync(ContestRun run,
        string topic, int count) =>
        Eventually.UntilAsync(() => run.World.Read(Topics.DeadLetter(topic)), d => d.Count >= count,
            $"{count} dead-lettered from {topic}");
}
