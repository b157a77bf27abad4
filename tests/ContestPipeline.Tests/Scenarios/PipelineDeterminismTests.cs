using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;
using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing;
using ContestPipeline.Scoring.Boards;
using ContestPipeline.Tests.Infrastructure;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// The same contest, entries and feed give byte-identical final standings and hashes
/// whatever the delivery order, batching, or worker restarts: checked through the real
/// pipeline, and against the scoring engine applied directly to the same inputs.
/// </summary>
[Collection(PipelineCollectionC.Name)]
public sealed class PipelineDeterminismTests(PipelineFixture fixture)
{
    private static readonly string[] Athletes1 = ["qb1", "rb1", "wr1", "te1", "k1", "d1"];
    private static readonly string[] Athletes2 = ["qb2", "rb2", "wr2", "te2", "k2", "d2"];
    private static readonly string[] Stats = ["passing_yards", "rushing_yards", "receiving_yards", "receptions",
        "interceptions", "passing_touchdowns"];

    private static readonly string[] Walkers = ["w01", "w02", "w03", "w04", "w05", "w06", "w07", "w08"];
    private static readonly string[] FitnessStats = ["steps", "active_minutes"];

    private sealed record Slate(List<(string Player, string[] Lineup)> Entries,
        List<(string Game, long Seq, string Type, object Body)> Feed);

    /// <summary>
    /// A fixed slate: 24 fantasy entries on two games of 60 facts each including cumulative
    /// rewrites and a correction, g2 postponed (to a time before the slate's end) before it starts,
    /// suspended and resumed in play, and cancelled at the end instead of ending (its athletes score
    /// what they had, by the contest's rule); and a fitness challenge riding along, its eight walkers
    /// entered and scored on their own stats from a third "game" of 40 facts.
    /// </summary>
    private static Slate MakeSlate()
    {
        var random = new Random(20261121);
        var entries = Enumerable.Range(1, 24).Select(i => ($"p{i:00}",
            new[] { Athletes1[random.Next(6)], Athletes2[random.Next(6)] })).ToList();
        var feed = new List<(string, long, string, object)>();
        foreach (var (game, athletes, stats, facts, step) in new[] { ("g1", Athletes1, Stats, 57, 40),
            ("g2", Athletes2, Stats, 57, 40), ("wk", Walkers, FitnessStats, 37, 3_000) })
        {
            var seq = 2L;
            var at = DateTimeOffset.UnixEpoch;
            if (game == "g2")
                feed.Add(
                    (game, seq, GamePostponed.MessageType, new GamePostponed(game, seq++, at, at.AddHours(1), "rain")));
            feed.Add((game, seq, GameStarted.MessageType, new GameStarted(game, seq++, at)));
            var totals = new Dictionary<(string, string), long>();
            for (var i = 0; i < facts; i++)
            {
                var athlete = athletes[random.Next(athletes.Length)];
                var stat = stats[random.Next(stats.Length)];
                var total = totals.GetValueOrDefault((athlete, stat)) + random.Next(0, step);
                totals[(athlete, stat)] = total;
                if (game == "g2" && i == facts / 2)
                {
                    feed.Add((game, seq, GameSuspended.MessageType, new GameSuspended(game, seq++, at, "lightning")));
                    feed.Add((game, seq, GameResumed.MessageType, new GameResumed(game, seq++, at)));
                }
                feed.Add(i == facts - 7
                    ? (game, seq, StatCorrected.MessageType, new StatCorrected(game, seq++, athlete, stat, total))
                    : (game, seq, StatUpdated.MessageType, new StatUpdated(game, seq++, athlete, stat, total)));
            }
            feed.Add(game == "g2"
                ? (game, seq, GameCancelled.MessageType, new GameCancelled(game, seq, at, "floodlight failure"))
                : (game, seq, GameEnded.MessageType, new GameEnded(game, seq, at)));
        }
        return new Slate(entries, feed);
    }

    private sealed record RunResult(
        string StandingsHash, string InputsHash, List<(int, string, string, long)> Standings,
        string FitnessStandingsHash, string FitnessInputsHash, List<(int, string, string, long)> FitnessStandings,
        int Resent, int Reordered, List<string> FeedAlerts)
    {
        /// <summary>Every live standings publication of the run, in the order published.</summary>
        public List<StandingsUpdated> Live { get; init; } = [];
    }

    private static bool LiveWithBothGames(ContestPipeline.Local.Demo.OutsideWorld.Published m) =>
        m.Type == StandingsUpdated.MessageType && m.Body.GetProperty("contestId").GetString() == "det"
        && m.Body.TryGetProperty("asOf", out var asOf) && asOf.ValueKind == JsonValueKind.Object
        && asOf.TryGetProperty("g1", out _) && asOf.TryGetProperty("g2", out _);

    /// <summary>
    /// Delivers the slate with entries and the games' facts interleaved by <paramref name="seed"/>,
    /// as a real provider might: now and then two neighbouring facts of a game swapped (the
    /// later one arrives first and is held, well within the hold time, until the earlier one
    /// fills its gap), and now and then a fact already sent sent again, under its own message
    /// id or under a new one.
    /// </summary>
    /// <param name="batching">Consumer and relay batch sizes for the workers (null: their defaults), so
    /// that facts are applied one per transaction in one run and in odd-sized runs in another.</param>
    /// <param name="instances">Processes of Ingestion and of Scoring, behind the same consumer groups.</param>
    private static async Task<RunResult> RunAsync(PipelineFixture fixture, Slate slate, int seed,
        Func<ContestRun, int, Task>? afterFact = null,
        (int Consumer, int Relay)? batching = null, int instances = 1)
    {
        var random = new Random(seed);
        await using var run = await ContestRun.StartEmptyAsync(fixture);
        var env = batching is { } b
            ? new Dictionary<string, string?>
            {
                [PipelineSettings.ConsumerBatchVariable] = b.Consumer.ToString(
                    System.Globalization.CultureInfo.InvariantCulture),
                [PipelineSettings.OutboxBatchVariable] = b.Relay.ToString(
                    System.Globalization.CultureInfo.InvariantCulture),
            }
            : null;
        for (var i = 1; i <= instances; i++)
        {
            run.StartWorker("ingestion", env: env, instance: i);
            run.StartWorker("scoring", env: env, instance: i);
        }
        // Two definitions and every entry are decided before the lock.
        var lockAt = await run.LockTimeAsync(messagesBeforeLock: 2 + slate.Entries.Count + Walkers.Length);
        run.World.Schedule("g1", 1, lockAt.AddMinutes(5), Athletes1);
        run.World.Schedule("g2", 1, lockAt.AddMinutes(5), Athletes2);
        run.World.Schedule("wk", 1, lockAt.AddMinutes(5), Walkers);
        run.Define(Fantasy("det", lockAt, ["g1", "g2"]));
        run.Define(Fitness("fit", lockAt, "wk"));
        // Payments in a fixed order, so the server's seeded ids (and so the entry ids) match across runs.
        var submissions = slate.Entries.Select(e =>
            Entry("s-" + e.Player, "det", e.Player, run.World.Pay("det", e.Player, Fee), e.Lineup))
            .Concat(Walkers.Select(w => Entry("s-" + w, "fit", w, run.World.Pay("fit", w, Fee))))
            .ToList();
        foreach (var submission in submissions.OrderBy(_ => random.Next())) run.World.Submit(submission);
        await run.WaitForStateAsync("det", "LOCKED");
        await run.WaitForStateAsync("fit", "LOCKED");

        var queues = slate.Feed.GroupBy(f => f.Game).Select(g => Perturb(g.ToList(), random)).ToList();
        var reordered = queues.Sum(q => q.Zip(q.Skip(1)).Count(p => p.First.Seq > p.Second.Seq));
        var sentByGame = slate.Feed.Select(f => f.Game).Distinct()
            .ToDictionary(g => g, _ => new List<(string Game, long Seq, string Type, object Body)>());
        var sent = 0;
        var resent = 0;
        while (queues.Any(q => q.Count > 0))
        {
            var q = queues.Where(q => q.Count > 0).ElementAt(random.Next(queues.Count(q => q.Count > 0)));
            var fact = q.Dequeue();
            run.World.Feed(fact.Game, fact.Seq, fact.Type, fact.Body);
            sentByGame[fact.Game].Add(fact);
            if (random.Next(8) == 0)
            {
                // An earlier fact of the same game again: a re-delivery (same id) or a re-send (new id).
                var earlier = sentByGame[fact.Game][random.Next(sentByGame[fact.Game].Count)];
                if (random.Next(2) == 0) run.World.Feed(earlier.Game, earlier.Seq, earlier.Type, earlier.Body);
                else run.World.Publish(Topics.ProviderFeed, earlier.Game, earlier.Type,
                    $"feed:{earlier.Game}:{earlier.Seq}:again{resent}", earlier.Body);
                resent++;
            }
            if (afterFact is not null) await afterFact(run, ++sent);
        }
        await run.WaitForStateAsync("det", "COMPLETE");
        await run.WaitForStateAsync("fit", "COMPLETE");
        var (standingsHash, inputsHash) = await run.HashesAsync("det");
        var (fitnessStandingsHash, fitnessInputsHash) = await run.HashesAsync("fit");
        var feedAlerts = run.World.Read(Topics.Alerts).Select(a => a.Body.GetProperty("code").GetString()!)
            .Where(c => c is "feed_gap" or "feed_late" or "feed_conflict" or "stat_rejected" or "dead_letter").ToList();
        var live = run.World.Read(Topics.Standings).Where(m => m.Type == StandingsUpdated.MessageType)
            .Select(m => m.Body.Deserialize<StandingsUpdated>(OutgoingMessage.Json)!).ToList();
        return new RunResult(standingsHash, inputsHash, await run.FinalStandingsAsync("det"),
            fitnessStandingsHash, fitnessInputsHash, await run.FinalStandingsAsync("fit"), resent, reordered,
            feedAlerts) { Live = live };
    }

    /// <summary>
    /// One game's facts in delivery order: about one stat in ten swapped with the stat after it.
    /// Each swap is delivered back to back from this game's queue, so the gap it opens is filled
    /// by the game's very next delivery, far inside the 30 s hold time.
    /// </summary>
    private static Queue<(string Game, long Seq, string Type, object Body)> Perturb(
        List<(string Game, long Seq, string Type, object Body)> facts, Random random)
    {
        for (var i = 1; i + 2 < facts.Count; i++)
        {
            if (random.Next(10) != 0) continue;
            (facts[i], facts[i + 1]) = (facts[i + 1], facts[i]);
            i++;
        }
        return new Queue<(string, long, string, object)>(facts);
    }

    /// <summary>The scoring engine applied directly to the slate's inputs: what the pipeline must reproduce.</summary>
    private static (string StandingsHash, string InputsHash) Expected(ContestDefined definition, Slate slate,
        IReadOnlyList<(int, string EntryId, string PlayerId, long)> standings)
    {
        var board = new ContestBoard(definition);
        var lineups = slate.Entries.ToDictionary(e => e.Player, e => e.Lineup);
        foreach (var (_, entryId, player, _) in standings.OrderBy(s => s.PlayerId, StringComparer.Ordinal))
            board.AddEntry(entryId, player, definition.Kind == ContestKinds.Fitness ? null : lineups[player]);
        foreach (var (game, _, _, body) in slate.Feed.Where(f => definition.GameIds.Contains(f.Game)))
        {
            if (body is StatUpdated u) board.ApplyStat(game, u.AthleteId, u.Stat, u.Value);
            if (body is StatCorrected c) board.ApplyStat(game, c.AthleteId, c.Stat, c.Value);
        }
        return (board.StandingsHash(), board.InputsHash());
    }

    private static void AssertMatchesTheEngine(Slate slate, RunResult r)
    {
        Assert.Equal(slate.Entries.Count, r.Standings.Count);
        Assert.Equal(Walkers.Length, r.FitnessStandings.Count);
        Assert.Empty(r.FeedAlerts);
        Assert.Equal(Expected(Fantasy("det", DateTimeOffset.UnixEpoch, ["g1", "g2"]), slate, r.Standings),
            (r.StandingsHash, r.InputsHash));
        Assert.Equal(Expected(Fitness("fit", DateTimeOffset.UnixEpoch, "wk"), slate, r.FitnessStandings),
            (r.FitnessStandingsHash, r.FitnessInputsHash));
    }

    [Fact]
    public async Task Shuffled_deliveries_of_the_same_slate_give_byte_identical_standings_and_hashes()
    {
        var slate = MakeSlate();
        var runs = new List<RunResult>();
        // Three orders, and three ways of batching: the defaults, one message per transaction, odd sizes.
        runs.Add(await RunAsync(fixture, slate, seed: 1));
        runs.Add(await RunAsync(fixture, slate, seed: 2, batching: (1, 1)));
        runs.Add(await RunAsync(fixture, slate, seed: 3, batching: (7, 13)));

        // The deliveries really did differ from the slate's order: facts re-sent and swapped in every run.
        Assert.All(runs,
            r => Assert.True(r.Resent > 0 && r.Reordered > 0, $"{r.Resent} re-sent, {r.Reordered} swapped"));
        Assert.All(runs, r => Assert.Equal(runs[0].Standings, r.Standings));
        Assert.All(runs,
            r => Assert.Equal((runs[0].StandingsHash, runs[0].InputsHash), (r.StandingsHash, r.InputsHash)));
        Assert.All(runs, r => Assert.Equal(runs[0].FitnessStandings, r.FitnessStandings));
        Assert.All(runs, r => Assert.Equal((runs[0].FitnessStandingsHash, runs[0].FitnessInputsHash),
            (r.FitnessStandingsHash, r.FitnessInputsHash)));
        AssertMatchesTheEngine(slate, runs[0]);
    }

    [Fact]
    public async Task Workers_killed_and_restarted_mid_contest_give_the_same_standings_and_hashes()
    {
        var slate = MakeSlate();
        var result = await RunAsync(fixture, slate, seed: 4, afterFact: async (run, sent) =>
        {
            if (sent == 50)
            {
                await run.KillWorkerAsync("scoring");
                run.StartWorker("scoring");
            }
            if (sent == 100)
            {
                await run.KillWorkerAsync("ingestion");
                run.StartWorker("ingestion");
            }
        });
        AssertMatchesTheEngine(slate, result);
    }

    /// <summary>
    /// Two processes of Ingestion and of Scoring behind the same consumer groups, one Scoring
    /// process killed mid-contest (its partitions, and the boards they own, move to the other):
    /// the final standings and hashes are the engine's, as with one; and every live standings
    /// publication shows exactly the engine's leaders from the stats its asOf names, with both
    /// games of the fantasy contest in it at the end, although their facts were split between
    /// the two processes.
    /// </summary>
    [Fact]
    public async Task
        Two_instances_of_every_worker_give_the_standings_and_hashes_of_one_and_live_boards_with_every_game()
    {
        var slate = MakeSlate();
        var result = await RunAsync(fixture, slate, seed: 5, instances: 2, afterFact: async (run, sent) =>
        {
            if (sent == 70) await run.KillWorkerAsync("scoring#2");
            // Both fantasy games are mid-way here (seed 5): the live board shows both before either ends. Waited for
            // here, because on a busy machine the other process's facts may reach the board only at the end.
            if (sent == 100)
                await Eventually.UntilAsync(() => run.World.Read(Topics.Standings).Any(LiveWithBothGames),
                    "a live standings publication of det with both games", TimeSpan.FromMinutes(2));
        });
        AssertMatchesTheEngine(slate, result);

        var definitions = new Dictionary<string, ContestDefined>
        {
            ["det"] = Fantasy("det", DateTimeOffset.UnixEpoch, ["g1", "g2"]),
            ["fit"] = Fitness("fit", DateTimeOffset.UnixEpoch, "wk"),
        };
        var entries = new Dictionary<string, List<(int, string EntryId, string PlayerId, long)>>
            { ["det"] = result.Standings, ["fit"] = result.FitnessStandings };
        var lineups = slate.Entries.ToDictionary(e => e.Player, e => e.Lineup);
        var live = result.Live.Where(s => s.AsOf is not null && s.EntryCount == entries[s.ContestId].Count).ToList();
        Assert.NotEmpty(live);
        foreach (var published in live)
        {
            // The engine from the entries and every stat up to the sequences the publication says it includes.
            var definition = definitions[published.ContestId];
            var board = new ContestBoard(definition);
            foreach (var (_, entryId, player, _) in entries[published.ContestId].OrderBy(e => e.PlayerId,
                StringComparer.Ordinal))
                board.AddEntry(entryId, player, definition.Kind == ContestKinds.Fitness ? null : lineups[player]);
            foreach (var (game, seq, _, body) in slate.Feed.Where(f =>
                published.AsOf!.TryGetValue(f.Game, out var upTo) && f.Seq <= upTo).OrderBy(f => f.Seq))
            {
                if (body is StatUpdated u) board.ApplyStat(game, u.AthleteId, u.Stat, u.Value);
                if (body is StatCorrected c) board.ApplyStat(game, c.AthleteId, c.Stat, c.Value);
            }
            Assert.Equal(board.Leaders(StandingsUpdated.LeadersMax), published.Leaders);
        }
        // Each game's facts went to one process or the other, yet the fantasy contest's board saw both games.
        Assert.Contains(live, s => s.ContestId == "det" && s.AsOf!.ContainsKey("g1") && s.AsOf.ContainsKey("g2"));
    }
}
