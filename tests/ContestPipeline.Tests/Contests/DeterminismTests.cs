using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Scoring.Domain;
using ContestPipeline.Tests.Infrastructure;
using static ContestPipeline.Tests.Contests.ContestScenarios;

namespace ContestPipeline.Tests.Contests;

/// <summary>
/// The same contest, entries and feed give byte-identical final standings and hashes
/// whatever the delivery order, batching, or worker restarts: checked through the real
/// pipeline, and against the scoring engine applied directly to the same inputs.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class DeterminismTests(PipelineFixture fixture)
{
    private static readonly string[] Athletes1 = ["qb1", "rb1", "wr1", "te1", "k1", "d1"];
    private static readonly string[] Athletes2 = ["qb2", "rb2", "wr2", "te2", "k2", "d2"];
    private static readonly string[] Stats = ["passing_yards", "rushing_yards", "receiving_yards", "receptions", "interceptions", "passing_touchdowns"];

    private sealed record Slate(List<(string Player, string[] Lineup)> Entries, List<(string Game, long Seq, string Type, object Body)> Feed);

    /// <summary>A fixed slate: 24 entries, two games of 60 facts each including cumulative rewrites and a correction.</summary>
    private static Slate MakeSlate()
    {
        var random = new Random(20261121);
        var entries = Enumerable.Range(1, 24).Select(i => ($"p{i:00}",
            new[] { Athletes1[random.Next(6)], Athletes2[random.Next(6)] })).ToList();
        var feed = new List<(string, long, string, object)>();
        foreach (var (game, athletes) in new[] { ("g1", Athletes1), ("g2", Athletes2) })
        {
            var seq = 2L;
            var at = DateTimeOffset.UnixEpoch;
            feed.Add((game, seq, GameStarted.MessageType, new GameStarted(game, seq++, at)));
            var totals = new Dictionary<(string, string), long>();
            for (var i = 0; i < 57; i++)
            {
                var athlete = athletes[random.Next(athletes.Length)];
                var stat = Stats[random.Next(Stats.Length)];
                var total = totals.GetValueOrDefault((athlete, stat)) + random.Next(0, 40);
                totals[(athlete, stat)] = total;
                feed.Add(i == 50
                    ? (game, seq, StatCorrected.MessageType, new StatCorrected(game, seq++, athlete, stat, total))
                    : (game, seq, StatUpdated.MessageType, new StatUpdated(game, seq++, athlete, stat, total)));
            }
            feed.Add((game, seq, GameEnded.MessageType, new GameEnded(game, seq, at)));
        }
        return new Slate(entries, feed);
    }

    /// <summary>Delivers the slate with entries and the two games' facts interleaved by <paramref name="seed"/>, each game still in sequence order.</summary>
    private static async Task<(string StandingsHash, string InputsHash, List<(int, string, string, long)> Standings)> RunAsync(
        PipelineFixture fixture, Slate slate, int seed, Func<ContestRun, int, Task>? afterFact = null)
    {
        var random = new Random(seed);
        await using var run = await ContestRun.StartAsync(fixture);
        var lockAt = DateTimeOffset.UtcNow.AddSeconds(8);
        run.World.Schedule("g1", 1, lockAt.AddMinutes(5), Athletes1);
        run.World.Schedule("g2", 1, lockAt.AddMinutes(5), Athletes2);
        run.Define(Fantasy("det", lockAt, ["g1", "g2"]));
        // Payments in a fixed order, so the server's seeded ids (and so the entry ids) match across runs.
        var payments = slate.Entries.Select(e => run.World.Pay("det", e.Player, Fee)).ToList();
        foreach (var i in Enumerable.Range(0, slate.Entries.Count).OrderBy(_ => random.Next()))
            run.World.Submit(Entry("s-" + slate.Entries[i].Player, "det", slate.Entries[i].Player, payments[i], slate.Entries[i].Lineup));
        await run.WaitForStateAsync("det", "LOCKED");

        var queues = slate.Feed.GroupBy(f => f.Game).Select(g => new Queue<(string Game, long Seq, string Type, object Body)>(g)).ToList();
        var sent = 0;
        while (queues.Any(q => q.Count > 0))
        {
            var q = queues.Where(q => q.Count > 0).ElementAt(random.Next(queues.Count(q => q.Count > 0)));
            var (game, seq, type, body) = q.Dequeue();
            run.World.Feed(game, seq, type, body);
            if (afterFact is not null) await afterFact(run, ++sent);
        }
        await run.WaitForStateAsync("det", "COMPLETE", seconds: 90);
        var (standingsHash, inputsHash) = await run.HashesAsync("det");
        return (standingsHash, inputsHash, await run.FinalStandingsAsync("det"));
    }

    /// <summary>The scoring engine applied directly to the slate's inputs: what the pipeline must reproduce.</summary>
    private static (string StandingsHash, string InputsHash) Expected(Slate slate, IReadOnlyList<string> entryIds)
    {
        var board = new ContestBoard(Fantasy("det", DateTimeOffset.UnixEpoch, ["g1", "g2"]));
        for (var i = 0; i < slate.Entries.Count; i++) board.AddEntry(entryIds[i], slate.Entries[i].Player, slate.Entries[i].Lineup);
        foreach (var (game, _, _, body) in slate.Feed)
        {
            if (body is StatUpdated u) board.ApplyStat(game, u.AthleteId, u.Stat, u.Value);
            if (body is StatCorrected c) board.ApplyStat(game, c.AthleteId, c.Stat, c.Value);
        }
        return (board.StandingsHash(), board.InputsHash());
    }

    [Fact]
    public async Task Shuffled_deliveries_of_the_same_slate_give_byte_identical_standings_and_hashes()
    {
        var slate = MakeSlate();
        var runs = new List<(string StandingsHash, string InputsHash, List<(int, string, string, long)> Standings)>();
        foreach (var seed in new[] { 1, 2, 3 }) runs.Add(await RunAsync(fixture, slate, seed));

        Assert.All(runs, r => Assert.Equal(slate.Entries.Count, r.Standings.Count));
        Assert.All(runs, r => Assert.Equal(runs[0].Standings, r.Standings));
        Assert.All(runs, r => Assert.Equal((runs[0].StandingsHash, runs[0].InputsHash), (r.StandingsHash, r.InputsHash)));
        var entryIds = runs[0].Standings.OrderBy(s => s.Item3, StringComparer.Ordinal).Select(s => s.Item2).ToList();
        Assert.Equal(Expected(slate, entryIds), (runs[0].StandingsHash, runs[0].InputsHash));
    }

    [Fact]
    public async Task Workers_killed_and_restarted_mid_contest_give_the_same_standings_and_hashes()
    {
        var slate = MakeSlate();
        var result = await RunAsync(fixture, slate, seed: 4, afterFact: async (run, sent) =>
        {
            if (sent == 40)
            {
                await run.KillWorkerAsync("scoring");
                run.StartWorker("scoring");
            }
            if (sent == 80)
            {
                await run.KillWorkerAsync("ingestion");
                run.StartWorker("ingestion");
            }
        });
        var entryIds = result.Standings.OrderBy(s => s.Item3, StringComparer.Ordinal).Select(s => s.Item2).ToList();
        Assert.Equal(slate.Entries.Count, result.Standings.Count);
        Assert.Equal(Expected(slate, entryIds), (result.StandingsHash, result.InputsHash));
    }
}
