using ContestPipeline.Contracts.Contests;
using ContestPipeline.Scoring.Boards;

namespace ContestPipeline.Tests.Scoring;

public sealed class ContestBoardTests
{
    private static ContestBoard FootballBoard() => new(ScoringContests.Fantasy(["g1", "g2"], ScoringContests.Football));

    [Fact]
    public void Lineups_keep_one_copy_of_each_athlete_id_however_many_entries_name_it()
    {
        var board = FootballBoard();
        // Distinct string instances, as each message or row read brings its own.
        board.AddEntry("e1", "p1", [new string("qb".AsSpan()), new string("rb".AsSpan())]);
        board.AddEntry("e2", "p2", [new string("rb".AsSpan())]);
        board.ApplyStat("g1", "rb", "rushing_yards", 100);

        var (first, second) = (board.Entries[0].Lineup!, board.Entries[1].Lineup!);
        Assert.Equal(["qb", "rb"], first);
        Assert.Same(first[1], second[0]);
        Assert.Equal(board.EntryScoreMilli("e1"), board.EntryScoreMilli("e2"));
        // The same entry again, from another copy of its strings, is still a redelivery.
        Assert.False(board.AddEntry("e2", "p2", [new string("rb".AsSpan())]));
    }

    [Theory]
    [InlineData("100", 4_000)]
    [InlineData("100,250", 10_000)]            // the latest cumulative value replaces, it is not added
    [InlineData("100,250,180", 7_200)]         // a correction downwards
    [InlineData("300,300,300", 12_000)]        // a repeated value changes nothing
    [InlineData("250,0", 0)]
    public void A_stat_value_is_the_cumulative_total_so_the_latest_replaces_the_previous(string values,
        long expectedMilli)
    {
        var board = FootballBoard();
        board.AddEntry("e1", "p1", ["qb"]);
        foreach (var value in values.Split(',').Select(long.Parse)) board.ApplyStat("g1", "qb", "passing_yards", value);

        Assert.Equal(expectedMilli, board.AthletePointsMilli("qb"));
        Assert.Equal(expectedMilli, board.EntryScoreMilli("e1"));
    }

    [Theory]
    [InlineData("g1:passing_yards:100", 4_000)]
    [InlineData("g1:passing_yards:100 g2:passing_yards:50", 6_000)]                     // games add up
    [InlineData("g1:passing_yards:300 g1:interceptions:2 g2:passing_touchdowns:1", 14_000)]
    [InlineData("g1:interceptions:3 g2:fumbles_lost:1", -5_000)]                        // a total can be negative
    [InlineData("g1:passing_yards:100 g3:passing_yards:500", 4_000)]                    // g3 is not covered
    [InlineData("g1:passing_yards:100 g1:steps:9000", 4_000)]                           // no rule for steps
    public void An_athletes_points_are_the_sum_over_rules_and_covered_games(string stats, long expectedMilli)
    {
        var board = FootballBoard();
        board.AddEntry("e1", "p1", ["qb"]);
        foreach (var stat in stats.Split(' ').Select(s => s.Split(':')))
            board.ApplyStat(stat[0], "qb", stat[1], long.Parse(stat[2]));

        Assert.Equal(expectedMilli, board.AthletePointsMilli("qb"));
        Assert.Equal(expectedMilli, board.EntryScoreMilli("e1"));
    }

    [Fact]
    public void A_fantasy_entry_scores_the_sum_of_its_lineup()
    {
        var board = FootballBoard();
        board.AddEntry("e1", "p1", ["qb", "rb"]);
        board.AddEntry("e2", "p2", ["rb", "wr"]);
        board.ApplyStat("g1", "qb", "passing_yards", 200);   // 8,000
        board.ApplyStat("g2", "rb", "rushing_yards", 75);    // 7,500
        board.ApplyStat("g2", "wr", "fumbles_lost", 1);      // -2,000

        Assert.Equal(15_500, board.EntryScoreMilli("e1"));
        Assert.Equal(5_500, board.EntryScoreMilli("e2"));
    }

    [Fact]
    public void A_fitness_entry_scores_its_players_own_stats()
    {
        var board = new ContestBoard(
            ScoringContests.Fitness(["week-1"], new ScoringRule("steps", 1), new ScoringRule("active_minutes", 100)));
        board.AddEntry("e1", "alice", null);
        board.AddEntry("e2", "bob", null);
        board.AddEntry("e3", "alice", null);                 // a second entry of the same player
        board.ApplyStat("week-1", "alice", "steps", 12_000);
        board.ApplyStat("week-1", "alice", "active_minutes", 30);
        board.ApplyStat("week-1", "bob", "steps", 8_000);
        board.ApplyStat("week-1", "carol", "steps", 99_000); // not entered

        Assert.Equal(15_000, board.EntryScoreMilli("e1"));
        Assert.Equal(8_000, board.EntryScoreMilli("e2"));
        Assert.Equal(15_000, board.EntryScoreMilli("e3"));
        Assert.Equal(["e1", "e3", "e2"], board.FinalStandings().Select(r => r.EntryId));
    }

    // Starting from e1 = [qb] with qb g1 passing_yards = 100 and a zero-point receptions rule.
    [Theory]
    [InlineData("g1", "qb", "passing_yards", 150, true)]
    [InlineData("g2", "qb", "passing_yards", 10, true)]
    [InlineData("g1", "qb", "interceptions", 1, true)]
    [InlineData("g1", "qb", "passing_yards", 100, false)]   // same value again
    [InlineData("g3", "qb", "passing_yards", 150, false)]   // game not covered
    [InlineData("g1", "qb", "rushing_touchdowns", 1, false)] // no rule for the stat
    [InlineData("g1", "rb", "passing_yards", 150, false)]   // nobody picked the athlete
    [InlineData("g2", "qb", "passing_yards", 0, false)]     // a new value worth no points
    [InlineData("g1", "qb", "receptions", 7, false)]        // a rule worth nothing
    public void Applying_a_stat_says_whether_any_score_may_have_changed_and_only_then_moves_the_version(
        string game, string athlete, string stat, long value, bool expected)
    {
        var board = FootballBoard();
        board.AddEntry("e1", "p1", ["qb"]);
        board.ApplyStat("g1", "qb", "passing_yards", 100);
        var version = board.Version;

        Assert.Equal(expected, board.ApplyStat(game, athlete, stat, value));
        Assert.Equal(version + (expected ? 1 : 0), board.Version);
    }

    [Fact]
    public void Values_of_games_not_covered_or_stats_without_a_rule_are_not_held()
    {
        var board = FootballBoard();
        board.AddEntry("e1", "p1", ["qb"]);
        board.ApplyStat("g3", "qb", "passing_yards", 100);
        board.ApplyStat("g1", "qb", "steps", 100);
        board.ApplyStat("g1", "rb", "rushing_yards", 20);      // held although nobody picked rb yet

        Assert.Equal([new StatValue("g1", "rb", "rushing_yards", 20)], board.StatValues());
    }

    [Fact]
    public void An_entry_added_after_its_athletes_stats_scores_them()
    {
        var board = FootballBoard();
        board.ApplyStat("g1", "rb", "rushing_yards", 80);
        Assert.True(board.AddEntry("e1", "p1", ["rb"]));
        Assert.Equal(8_000, board.EntryScoreMilli("e1"));
    }

    [Fact]
    public void Adding_the_same_entry_again_is_a_no_op()
    {
        var board = FootballBoard();
        Assert.True(board.AddEntry("e1", "p1", ["qb", "rb"]));
        var version = board.Version;

        Assert.False(board.AddEntry("e1", "p1", new List<string> { "qb", "rb" }));
        Assert.Equal(1, board.EntryCount);
        Assert.Equal(version, board.Version);
    }

    [Theory]
    [InlineData("p2", "qb,rb")]     // another player
    [InlineData("p1", "qb,wr")]     // another athlete
    [InlineData("p1", "rb,qb")]     // the same athletes in another order
    [InlineData("p1", "qb")]        // fewer athletes
    [InlineData("p1", "qb,rb,wr")]  // more athletes
    public void The_same_entry_id_with_other_content_is_refused(string player, string lineup)
    {
        var board = FootballBoard();
        board.AddEntry("e1", "p1", ["qb", "rb"]);
        Assert.Throws<InvalidOperationException>(() => board.AddEntry("e1", player, lineup.Split(',')));
        Assert.Equal(1, board.EntryCount);
    }

    [Fact]
    public void An_entry_cannot_be_changed_through_the_list_it_was_added_with()
    {
        var board = FootballBoard();
        var lineup = new List<string> { "qb" };
        board.AddEntry("e1", "p1", lineup);
        lineup[0] = "rb";
        board.ApplyStat("g1", "rb", "rushing_yards", 10);

        Assert.Equal(0, board.EntryScoreMilli("e1"));
        Assert.Equal(["qb"], board.Entries.Single().Lineup!);
    }

    [Fact]
    public void A_lineup_must_match_the_kind_of_contest()
    {
        var fantasy = FootballBoard();
        var fitness = new ContestBoard(ScoringContests.Fitness(["week-1"], new ScoringRule("steps", 1)));
        Assert.Throws<ArgumentException>(() => fantasy.AddEntry("e1", "p1", null));
        Assert.Throws<ArgumentException>(() => fitness.AddEntry("e1", "p1", ["p1"]));
        Assert.Equal(0, fantasy.EntryCount + fitness.EntryCount);
    }

    [Fact]
    public void An_athletes_points_that_would_overflow_throw_and_change_nothing()
    {
        var board = new ContestBoard(ScoringContests.Fantasy(["g1", "g2"], new ScoringRule("points", 1)));
        board.AddEntry("e1", "p1", ["a"]);
        board.ApplyStat("g1", "a", "points", long.MaxValue);
        var version = board.Version;

        Assert.Throws<OverflowException>(() => board.ApplyStat("g2", "a", "points", 1));
        Assert.Equal(long.MaxValue, board.AthletePointsMilli("a"));
        Assert.Equal([new StatValue("g1", "a", "points", long.MaxValue)], board.StatValues());
        Assert.Equal(version, board.Version);
    }

    [Fact]
    public void An_entry_score_that_would_overflow_throws_and_changes_nothing()
    {
        var board = new ContestBoard(ScoringContests.Fantasy(["g1"], new ScoringRule("points", 1)));
        board.AddEntry("e1", "p1", ["a", "b"]);
        board.ApplyStat("g1", "a", "points", long.MaxValue / 2 + 1);

        Assert.Throws<OverflowException>(() => board.ApplyStat("g1", "b", "points", long.MaxValue / 2 + 1));
        Assert.Equal(0, board.AthletePointsMilli("b"));
        Assert.Equal(long.MaxValue / 2 + 1, board.EntryScoreMilli("e1"));
    }

    [Fact]
    public void An_entry_whose_score_would_overflow_is_not_added()
    {
        var board = new ContestBoard(ScoringContests.Fantasy(["g1"], new ScoringRule("points", 1)));
        board.ApplyStat("g1", "a", "points", long.MaxValue);
        board.ApplyStat("g1", "b", "points", 1);

        Assert.Throws<OverflowException>(() => board.AddEntry("e1", "p1", ["a", "b"]));
        Assert.Equal(0, board.EntryCount);
        Assert.Empty(board.FinalStandings());
    }

    [Fact]
    public void An_entry_score_that_fits_is_exact_even_when_a_partial_sum_in_lineup_order_would_not()
    {
        var board = new ContestBoard(ScoringContests.Fantasy(["g1"], new ScoringRule("points", 1)));
        board.AddEntry("e1", "p1", ["a", "b", "c"]);
        board.ApplyStat("g1", "a", "points", long.MaxValue);
        board.ApplyStat("g1", "c", "points", -1);
        board.ApplyStat("g1", "b", "points", 1);             // a + b alone would overflow

        Assert.Equal(long.MaxValue, board.EntryScoreMilli("e1"));
        Assert.Equal(long.MaxValue, board.FinalStandings().Single().ScoreMilli);
    }

    [Fact]
    public void A_board_rebuilt_from_its_entries_and_held_values_gives_the_same_standings()
    {
        var board = FootballBoard();
        board.AddEntry("e1", "p1", ["qb", "rb"]);
        board.AddEntry("e2", "p2", ["rb"]);
        board.ApplyStat("g1", "qb", "passing_yards", 120);
        board.ApplyStat("g1", "qb", "passing_yards", 310);
        board.ApplyStat("g2", "rb", "rushing_yards", 64);
        board.ApplyStat("g2", "te", "rushing_yards", 5);

        var rebuilt = new ContestBoard(board.Definition);
        foreach (var value in board.StatValues().Reverse())
            rebuilt.ApplyStat(value.GameId, value.AthleteId, value.Stat, value.Value);
        foreach (var entry in board.Entries.Reverse()) rebuilt.AddEntry(entry.EntryId, entry.PlayerId, entry.Lineup);

        Assert.Equal(board.FinalStandings(), rebuilt.FinalStandings());
        Assert.Equal(board.StatValues(), rebuilt.StatValues());
        Assert.Equal(board.InputsHash(), rebuilt.InputsHash());
    }

    [Fact]
    public void A_contest_of_an_unknown_kind_is_refused()
    {
        var definition = ScoringContests.Define("c", "tennis", ["g1"], ScoringContests.Football);
        Assert.Throws<ArgumentException>(() => new ContestBoard(definition));
    }
}
