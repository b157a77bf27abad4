using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Scoring.Boards;

namespace ContestPipeline.Tests.Scoring;

/// <summary>
/// Seeded simulation: a random contest, its entries and final stat values, delivered in many
/// orders with stale intermediate values along the way. Every order must give byte-identical
/// standings and hashes, and those standings must be what a plain recomputation from the final
/// values says. A failure names its seed so it can be replayed.
/// </summary>
public sealed class DeliveryOrderDeterminismTests
{
    private const int OrdersPerSeed = 6;

    public static TheoryData<int> Seeds()
    {
        var seeds = new TheoryData<int>();
        for (var seed = 1; seed <= 150; seed++) seeds.Add(seed);
        return seeds;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void The_same_final_inputs_in_any_order_give_byte_identical_standings_and_hashes(int seed)
    {
        var scenario = Scenario.Generate(seed);
        var expected = Oracle(scenario);

        var reference = new ContestBoard(scenario.Definition);
        foreach (var entry in scenario.Entries) reference.AddEntry(entry.EntryId, entry.PlayerId, entry.Lineup);
        foreach (var value in scenario.FinalValues)
            reference.ApplyStat(value.GameId, value.AthleteId, value.Stat, value.Value);
        var referenceRows = Text(reference.FinalStandings());
        Assert.True(Text(expected) == referenceRows, $"seed {seed}: standings differ from a plain recomputation\n" +
            $"expected:\n{Text(expected)}\nactual:\n{referenceRows}");
        var standingsHash = reference.StandingsHash();
        var inputsHash = reference.InputsHash();

        for (var order = 0; order < OrdersPerSeed; order++)
        {
            var board = new ContestBoard(scenario.Definition);
            var leadersCount = 1 + order * 3;
            foreach (var step in scenario.Deliveries(new Random(seed * 1_000 + order)))
            {
                step(board);
                // Asking for standings midway must not disturb what comes out at the end.
                if (board.Version % 7 == 0) board.Leaders(leadersCount);
            }

            var context = $"seed {seed}, order {order}";
            Assert.True(referenceRows == Text(board.FinalStandings()), $"{context}: final standings differ\n" +
                $"expected:\n{referenceRows}\nactual:\n{Text(board.FinalStandings())}");
            Assert.True(standingsHash == board.StandingsHash(), $"{context}: standings hash differs");
            Assert.True(inputsHash == board.InputsHash(), $"{context}: inputs hash differs");
            Assert.True(board.FinalStandings().Take(leadersCount).SequenceEqual(board.Leaders(leadersCount)),
                $"{context}: leaders are not the first rows of the standings");
        }
    }

    private static string Text(IEnumerable<StandingRow> rows) =>
        string.Concat(rows.Select(r => $"{r.Rank}|{r.EntryId}|{r.PlayerId}|{r.ScoreMilli}\n"));

    /// <summary>The semantics spelled out as plainly as possible, with no board involved.</summary>
    private static List<StandingRow> Oracle(Scenario scenario)
    {
        var covered = scenario.Definition.GameIds.ToHashSet();
        long AthletePoints(string athlete) => scenario.FinalValues
            .Where(v => v.AthleteId == athlete && covered.Contains(v.GameId))
            .Sum(v => scenario.Definition.ScoringRules.Where(r => r.Stat == v.Stat)
                .Sum(r => v.Value * r.PointsPerUnitMilli));

        var scored = scenario.Entries
            .Select(e => (e.EntryId, e.PlayerId, Score: (e.Lineup ?? [e.PlayerId]).Sum(AthletePoints)))
            .ToList();
        return scored
            .OrderByDescending(e => e.Score).ThenBy(e => e.EntryId, StringComparer.Ordinal)
            .Select(e =>
                new StandingRow(1 + scored.Count(other => other.Score > e.Score), e.EntryId, e.PlayerId, e.Score))
            .ToList();
    }

    private sealed record Scenario(ContestDefined Definition, List<ScoringEntry> Entries, List<StatValue> FinalValues,
        List<StatValue> StaleValues)
    {
        private static readonly string[] StatPool =
            ["passing_yards", "interceptions", "rushing_yards", "receptions", "steps", "fumbles_lost"];

        public static Scenario Generate(int seed)
        {
            var random = new Random(seed);
            var fitness = random.Next(3) == 0;
            var games = Enumerable.Range(1, random.Next(1, 4)).Select(g => $"g{g}").ToList();
            // The first stats get rules (some negative, some duplicated); "steps" may have none.
            var rules = StatPool.Take(random.Next(1, 5))
                .Select(stat => new ScoringRule(stat, random.Next(-3, 6) * 250L))
                .ToList();
            if (random.Next(4) == 0) rules.Add(new ScoringRule(rules[0].Stat, 125));
            var definition =
                ScoringContests.Define($"c{seed}", fitness ? ContestKinds.Fitness : ContestKinds.Fantasy, games, rules);

            var athletes = Enumerable.Range(0, random.Next(3, 12)).Select(a => $"a{a}").ToList();
            var entries = new List<ScoringEntry>();
            var entryCount = random.Next(1, 40);
            for (var e = 0; e < entryCount; e++)
            {
                // Ids that sort differently by ordinal and by number, so tie order is tested.
                var id = $"e{random.Next(100)}-{e}";
                entries.Add(fitness
                    ? new ScoringEntry(id, athletes[random.Next(athletes.Count)], null)
                    : new ScoringEntry(id, $"p{random.Next(10)}", [.. Enumerable.Range(0, random.Next(0, 5))
                        .Select(_ => athletes[random.Next(athletes.Count)])]));
            }

            // Final values, small so that scores tie often, over covered games, a game the
            // contest does not cover, stats without a rule, and athletes nobody picked.
            var allGames = games.Append("g9").ToList();
            var final = new Dictionary<(string, string, string), long>();
            for (var i = random.Next(0, 60); i > 0; i--)
                final[(allGames[random.Next(allGames.Count)], athletes[random.Next(athletes.Count)],
                    StatPool[random.Next(StatPool.Length)])] = random.Next(0, 6);
            var finalValues = final.Select(kv => new StatValue(kv.Key.Item1, kv.Key.Item2, kv.Key.Item3, kv.Value))
                .ToList();
            var stale = finalValues.SelectMany(v => Enumerable.Range(0, random.Next(0, 3))
                .Select(_ => v with { Value = random.Next(0, 9) })).ToList();
            return new Scenario(definition, entries, finalValues, stale);
        }

        /// <summary>
        /// Every entry (some twice, as a redelivery would) and every value, final and stale,
        /// shuffled; then each (game, athlete, stat) gets its final value at its last
        /// occurrence, since the feed's latest value is the final one.
        /// </summary>
        public List<Action<ContestBoard>> Deliveries(Random random)
        {
            var values = FinalValues.Concat(StaleValues).ToArray();
            random.Shuffle(values);
            var finalByKey = FinalValues.ToDictionary(v => (v.GameId, v.AthleteId, v.Stat), v => v.Value);
            var seen = new HashSet<(string, string, string)>();
            for (var i = values.Length - 1; i >= 0; i--)
            {
                var key = (values[i].GameId, values[i].AthleteId, values[i].Stat);
                if (seen.Add(key)) values[i] = values[i] with { Value = finalByKey[key] };
            }

            var steps = values.Select(v =>
                (Action<ContestBoard>)(b => b.ApplyStat(v.GameId, v.AthleteId, v.Stat, v.Value))).ToList();
            foreach (var entry in Entries.Concat(Entries.Where(_ => random.Next(5) == 0)))
                steps.Insert(random.Next(steps.Count + 1),
                    b => b.AddEntry(entry.EntryId, entry.PlayerId, entry.Lineup));
            return steps;
        }
    }
}
