using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Scoring.Boards;
using ContestPipeline.Scoring.Stats;

namespace ContestPipeline.Tests.Scoring;

/// <summary>
/// Contests with the same games and scoring rules share one athlete table: a stat is applied once for all of them,
/// and each board gives exactly the standings it would give with a table of its own.
/// </summary>
public sealed class AthleteTableTests
{
    private static ContestDefined Contest(string id, IReadOnlyList<string> games, params ScoringRule[] rules) =>
        ScoringContests.Define(id, ContestKinds.Fantasy, games, rules);

    [Theory]
    [InlineData("g1,g2", "g2,g1,g1")] // the order and repetition of the games do not matter
    [InlineData("g1", "g1")]
    public void Contests_with_the_same_games_and_rules_have_the_same_key(string a, string b)
    {
        var rules = ScoringContests.Football;
        Assert.Equal(AthleteTable.KeyOf(Contest("c1", a.Split(','), rules)),
            AthleteTable.KeyOf(Contest("c2", b.Split(','), [.. rules.Reverse()])));
    }

    [Fact]
    public void Other_games_or_other_points_give_another_key()
    {
        var football = AthleteTable.KeyOf(Contest("c1", ["g1", "g2"], ScoringContests.Football));
        Assert.NotEqual(football, AthleteTable.KeyOf(Contest("c1", ["g1"], ScoringContests.Football)));
        Assert.NotEqual(football, AthleteTable.KeyOf(Contest("c1", ["g1", "g2"],
            [.. ScoringContests.Football.Select(r =>
                r.Stat == "passing_yards" ? r with { PointsPerUnitMilli = 50 } : r)])));
        // Lengths are part of the key: joined names cannot pass for other names.
        Assert.NotEqual(AthleteTable.KeyOf(Contest("c1", ["g1,g2"], ScoringContests.Football)),
            AthleteTable.KeyOf(Contest("c1", ["g1", "g2"], ScoringContests.Football)));
    }

    [Fact]
    public void A_board_refuses_a_table_of_other_games_or_rules()
    {
        var table = new AthleteTable(Contest("c1", ["g1"], ScoringContests.Football));
        var e = Assert.Throws<ArgumentException>(() =>
            new ContestBoard(Contest("c2", ["g1", "g2"], ScoringContests.Football), table));
        Assert.Contains("contest c2", e.Message);
    }

    [Fact]
    public void A_stat_applied_once_to_a_shared_table_gives_each_board_the_standings_of_a_table_of_its_own()
    {
        var shared = new AthleteTable(Contest("c1", ["g1", "g2"], ScoringContests.Football));
        var (a, b) = (new ContestBoard(Contest("c1", ["g1", "g2"], ScoringContests.Football), shared),
            new ContestBoard(Contest("c2", ["g2", "g1"], ScoringContests.Football), shared));
        var (aloneA, aloneB) = (new ContestBoard(a.Definition), new ContestBoard(b.Definition));
        foreach (var board in new[] { a, aloneA }) board.AddEntry("a1", "p1", ["qb", "rb"]);
        foreach (var board in new[] { b, aloneB })
        {
            board.AddEntry("b1", "p2", ["rb"]);
            board.AddEntry("b2", "p3", ["wr"]);
        }
        var versions = (a.Version, b.Version);

        (string Game, string Athlete, string Stat, long Value)[] stats =
        [
            ("g1", "qb", "passing_yards", 250), ("g2", "rb", "rushing_yards", 80), ("g1", "qb", "interceptions", 1),
            ("g3", "rb", "rushing_yards", 500), ("g1", "k", "passing_yards", 10),
        ];
        foreach (var (game, athlete, stat, value) in stats)
        {
            shared.ApplyStat(game, athlete, stat, value);
            aloneA.ApplyStat(game, athlete, stat, value);
            aloneB.ApplyStat(game, athlete, stat, value);
        }

        Assert.Equal(aloneA.FinalStandings(), a.FinalStandings());
        Assert.Equal(aloneB.FinalStandings(), b.FinalStandings());
        Assert.Equal(aloneA.InputsHash(), a.InputsHash());
        Assert.Equal(aloneB.StandingsHash(), b.StandingsHash());
        // Only what moved a board's own entries moves its version: b's entries never picked the quarterback.
        Assert.Equal(versions.Item1 + 3, a.Version);
        Assert.Equal(versions.Item2 + 1, b.Version);
        // A board added later reads the values already held.
        var c = new ContestBoard(Contest("c3", ["g1", "g2"], ScoringContests.Football), shared);
        c.AddEntry("c1", "p4", ["qb"]);
        Assert.Equal(a.AthletePointsMilli("qb"), c.EntryScoreMilli("c1"));
    }

    [Fact]
    public void A_stat_that_would_overflow_an_entry_of_any_sharing_board_changes_no_board()
    {
        var rules = new ScoringRule("points", 1);
        var shared = new AthleteTable(Contest("c1", ["g1"], rules));
        var (a, b) = (new ContestBoard(Contest("c1", ["g1"], rules), shared),
            new ContestBoard(Contest("c2", ["g1"], rules), shared));
        a.AddEntry("a1", "p1", ["x"]);
        b.AddEntry("b1", "p2", ["x", "y"]);
        shared.ApplyStat("g1", "y", "points", long.MaxValue / 2 + 1);
        var versions = (a.Version, b.Version);

        var e = Assert.Throws<OverflowException>(() => a.ApplyStat("g1", "x", "points", long.MaxValue / 2 + 1));
        Assert.Contains("contest c2: entry b1", e.Message);
        Assert.Equal(0, a.EntryScoreMilli("a1"));
        Assert.Equal(long.MaxValue / 2 + 1, b.EntryScoreMilli("b1"));
        Assert.Equal((versions.Item1, versions.Item2), (a.Version, b.Version));
        Assert.Single(shared.StatValues());
    }

    [Fact]
    public void The_state_applies_a_stat_once_per_table_and_a_contest_that_leaves_takes_no_value_with_it()
    {
        var state = new LiveBoards();
        var (c1, c2) =
            (Contest("c1", ["g1"], ScoringContests.Football), Contest("c2", ["g1"], ScoringContests.Football));
        var other = Contest("c3", ["g1"], new ScoringRule("passing_yards", 100));
        state.AddContest(c1, ContestState.Live);
        state.AddContest(c2, ContestState.Live);
        state.AddContest(other, ContestState.Live);
        foreach (var id in new[] { "c1", "c2", "c3" }) state.AddEntry(id, "e-" + id, "p1", ["qb"]);
        state.ApplyStats([new StatFact("g1", "qb", "passing_yards", 100, 1)]);

        var tables = state.Read(cs => cs.Values.ToDictionary(c => c.Definition.ContestId, c => c.Board.Athletes));
        Assert.Same(tables["c1"], tables["c2"]);
        Assert.NotSame(tables["c1"], tables["c3"]);
        Assert.Equal(2, tables["c1"].BoardCount);
        Assert.Equal((4_000L, 10_000L), state.Read(cs =>
            (cs["c2"].Board.EntryScoreMilli("e-c2"), cs["c3"].Board.EntryScoreMilli("e-c3"))));

        // c1 completes and leaves its table; c2 goes on with every value, and c1's result stands.
        var c1Board = state.Read(cs => cs["c1"].Board);
        state.SetState("c1", ContestState.Complete);
        state.ApplyStats([new StatFact("g1", "qb", "passing_yards", 200, 2)]);
        Assert.Equal(1, tables["c1"].BoardCount);
        Assert.Equal(4_000L, c1Board.EntryScoreMilli("e-c1"));
        Assert.Equal(8_000L, state.Read(cs => cs["c2"].Board.EntryScoreMilli("e-c2")));
        // The last board of a table leaves: a contest with those games and rules later starts a table from the
        // values the state holds.
        state.SetState("c2", ContestState.Cancelled);
        state.AddContest(Contest("c4", ["g1"], ScoringContests.Football), ContestState.Live);
        state.AddEntry("c4", "e-c4", "p1", ["qb"]);
        Assert.Equal(8_000L, state.Read(cs => cs["c4"].Board.EntryScoreMilli("e-c4")));
        Assert.NotSame(tables["c1"], state.Read(cs => cs["c4"].Board.Athletes));
    }
}
