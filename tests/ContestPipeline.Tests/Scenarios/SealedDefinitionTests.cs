using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Local.Demo;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// Scoring and Settlement act only on a contest definition the operators sealed: a <c>ContestScheduled</c> that
/// Ingestion's own key signs, for a definition no operator sealed or one altered after sealing, or a large
/// guarantee with one operator's seal, is refused by both with a critical alert, and neither keeps the contest.
/// Through the real Ingestion, Scoring and Settlement workers and the local broker.
/// </summary>
[Collection(PipelineCollectionC.Name)]
public sealed class SealedDefinitionTests(PipelineFixture fixture)
{
    private static readonly PoolRule BigGuarantee =
        new(PoolModes.Guaranteed, GuaranteedMinor: ContestLimits.GuaranteedMinorOneOperatorMax + 1);

    [Fact]
    public async Task A_definition_Ingestion_made_up_or_altered_is_kept_by_neither_Scoring_nor_Settlement()
    {
        await using var run = await ContestRun.StartAsync(fixture, 7, "ingestion", "scoring", "settlement");
        var lockAt = DateTimeOffset.UtcNow.AddHours(2);
        run.World.Schedule("sg1", 1, lockAt.AddMinutes(5), "qb1", "wr1");

        // Made up: nobody sealed it. Altered: sealed by an operator, then its fee changed. Under-sealed: a
        // guarantee above one operator's bound with one seal. All signed with Ingestion's own key.
        Relay(run, Fantasy("made-up", lockAt, ["sg1"]));
        Relay(run, OutsideWorld.Sealed(Fantasy("altered", lockAt, ["sg1"])) with { EntryFeeMinor = 100 * Fee });
        Relay(run, OutsideWorld.Sealed(Fantasy("one-seal", lockAt, ["sg1"]) with { Pool = BigGuarantee }, "ann"));

        // The operators' way: the large guarantee sealed by two operators is scheduled everywhere; with one seal,
        // Ingestion refuses it at once, naming what is missing.
        run.Define(Fantasy("two-seals", lockAt, ["sg1"]) with { Pool = BigGuarantee });
        run.World.Publish(Topics.Contests, "ann-alone", ContestDefined.MessageType, "def:ann-alone",
            OutsideWorld.Sealed(Fantasy("ann-alone", lockAt, ["sg1"]) with { Pool = BigGuarantee }, "ann"));

        var refused = await Eventually.UntilAsync(() => run.World.Read(Topics.DeadLetter(Topics.ContestLifecycle)),
            d => d.Count >= 6, "Scoring and Settlement to refuse three definitions each");
        Assert.True(refused.Count == 6, string.Join("\n", refused.Select(d => d.Key + ": "
            + d.Headers[MessageHeaders.DeadLetterReason])));
        Assert.Equal(["altered", "altered", "made-up", "made-up", "one-seal", "one-seal"],
            refused.Select(d => d.Key).Order(StringComparer.Ordinal));
        string Reason(string key) => string.Join(" | ", refused.Where(d => d.Key == key)
            .Select(d => d.Headers[MessageHeaders.DeadLetterReason]));
        Assert.Contains("carries no operator's seal", Reason("made-up"), StringComparison.Ordinal);
        Assert.Contains("ann's seal does not match the definition", Reason("altered"), StringComparison.Ordinal);
        Assert.Contains("sealed by 1 operator(s) that verify for scoring, 2 needed", Reason("one-seal"),
            StringComparison.Ordinal);
        Assert.Contains("sealed by 1 operator(s) that verify for settlement, 2 needed", Reason("one-seal"),
            StringComparison.Ordinal);
        var edge = await Eventually.UntilAsync(() => run.World.Read(Topics.DeadLetter(Topics.Contests)),
            d => d.Any(m => m.Key == "ann-alone"), "Ingestion to refuse the under-sealed definition");
        Assert.Contains("sealed by 1 operator(s), 2 needed",
            edge.Single(m => m.Key == "ann-alone").Headers[MessageHeaders.DeadLetterReason], StringComparison.Ordinal);
        await Eventually.UntilAsync(() => run.World.Read(Topics.Alerts).Count(a =>
                a.Body.GetProperty("severity").GetString() == AlertSeverities.Critical
                && a.Body.GetProperty("message").GetString()!.Contains("seal", StringComparison.Ordinal)),
            n => n >= 6, "a critical alert for each refusal");

        await Eventually.UntilAsync(() => Kept(run, "two-seals"), kept => kept == (1, 1),
            "the twice-sealed contest in Scoring and Settlement");
        foreach (var contest in new[] { "made-up", "altered", "one-seal", "ann-alone" })
            Assert.Equal((0L, 0L), await Kept(run, contest));
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        Assert.Equal(["ann", "bob"], (await conn.QueryAsync<string>(
            "SELECT s ->> 'operator' FROM settlement.contests, jsonb_array_elements(definition::jsonb -> 'seals') s "
            + "WHERE contest_id = 'two-seals' ORDER BY 1")).ToList());
    }

    /// <summary>What Ingestion would publish for <paramref name="definition"/>, signed with its key.</summary>
    private static void Relay(ContestRun run, ContestDefined definition) =>
        run.World.Publish(Topics.ContestLifecycle, definition.ContestId, ContestScheduled.MessageType,
            ContestScheduled.MessageIdFor(definition.ContestId), new ContestScheduled(definition));

    private static async Task<(long Scoring, long Settlement)> Kept(ContestRun run, string contest)
    {
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        return (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM scoring.contests WHERE contest_id = @contest",
                new { contest }),
            await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM settlement.contests WHERE contest_id = @contest",
                new { contest }));
    }
}
