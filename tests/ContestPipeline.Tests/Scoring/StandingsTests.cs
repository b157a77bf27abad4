using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Scoring.Boards;

namespace ContestPipeline.Tests.Scoring;

public sealed class StandingsTests
{
    /// <summary>
    /// A fitness board where entry "x" belongs to player "x" and scores exactly the number given:
    /// "a=30 b=20" makes entries a and b scoring 30 and 20 milli.
    /// </summary>
    private static ContestBoard Board(string scores)
    {
        var board = new ContestBoard(ScoringContests.Fitness(["week-1"], new ScoringRule("steps", 1)));
        foreach (var pair in scores.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=')))
        {
            board.AddEntry(pair[0], pair[0], null);
            board.ApplyStat("week-1", pair[0], "steps", long.Parse(pair[1]));
        }
        return board;
    }

    /// <summary>Rows as "rank entry" pairs: "1 a, 2 b".</summary>
    private static string Show(IEnumerable<StandingRow> rows) =>
        string.Join(", ", rows.Select(r => $"{r.Rank} {r.EntryId}"));

    [Theory]
    [InlineData("a=30 b=20 c=20 d=10", "1 a, 2 b, 2 c, 4 d")]
    [InlineData("a=5 b=5 c=5", "1 a, 1 b, 1 c")]
    [InlineData("a=0 b=-5 c=10", "1 c, 2 a, 3 b")]
    [InlineData("d=7 c=7 b=9 a=7", "1 b, 2 a, 2 c, 2 d")]
    [InlineData("a=1 b=2 c=2 d=3 e=3 f=3", "1 d, 1 e, 1 f, 4 b, 4 c, 6 a")]
    [InlineData("", "")]
    public void Ties_share_the_best_rank_and_the_next_rank_skips(string scores, string expected) =>
        Assert.Equal(expected, Show(Board(scores).FinalStandings()));

    [Theory]
    [InlineData(0, "")]
    [InlineData(1, "1 a")]
    [InlineData(2, "1 a, 2 b")]                        // the tie at 2 straddles the cut
    [InlineData(3, "1 a, 2 b, 2 c")]
    [InlineData(4, "1 a, 2 b, 2 c, 2 d")]
    [InlineData(5, "1 a, 2 b, 2 c, 2 d, 5 e")]
    [InlineData(100, "1 a, 2 b, 2 c, 2 d, 5 e")]
    public void Leaders_keep_true_ranks_when_a_tie_straddles_the_cut(int count, string expected)
    {
        var board = Board("d=20 e=10 b=20 a=30 c=20");
        Assert.Equal(expected, Show(board.Leaders(count)));
    }

    [Fact]
    public void Within_a_tie_rows_are_ordered_by_entry_id_ordinally()
    {
        // A culture-aware order would put "_" first and "a" before "B".
        var board = Board("b=1 a9=1 B=1 a10=1 _=1 a=1");
        Assert.Equal("1 B, 1 _, 1 a, 1 a10, 1 a9, 1 b", Show(board.FinalStandings()));
        Assert.Equal("1 B, 1 _, 1 a", Show(board.Leaders(3)));
    }

    [Fact]
    public void Rows_carry_the_player_and_the_score()
    {
        var board = new ContestBoard(ScoringContests.Fantasy(["g1"], ScoringContests.Football));
        board.AddEntry("e1", "p1", ["qb"]);
        board.ApplyStat("g1", "qb", "passing_yards", 321);
        Assert.Equal([new StandingRow(1, "e1", "p1", 12_840)], board.FinalStandings());
        Assert.Equal([new StandingRow(1, "e1", "p1", 12_840)], board.Leaders(10));
    }

    [Fact]
    public void Leaders_follow_the_latest_stats()
    {
        var board = Board("a=30 b=20 c=10");
        Assert.Equal("1 a, 2 b", Show(board.Leaders(2)));
        board.ApplyStat("week-1", "c", "steps", 50);
        Assert.Equal("1 c, 2 a", Show(board.Leaders(2)));
        board.AddEntry("d", "d", null);
        board.ApplyStat("week-1", "d", "steps", 50);
        Assert.Equal("1 c, 1 d", Show(board.Leaders(2)));
        Assert.Equal("1 c, 1 d, 3 a, 4 b", Show(board.FinalStandings()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Leaders_are_the_first_rows_of_the_final_standings(int seed)
    {
        var random = new Random(seed);
        var board = new ContestBoard(ScoringContests.Fitness(["week-1"], new ScoringRule("steps", 1)));
        for (var e = 0; e < 300; e++)
        {
            var id = $"e{random.Next(1_000_000)}-{e}";
            board.AddEntry(id, id, null);
            // Few distinct scores, so ties are everywhere, including at most cuts.
            board.ApplyStat("week-1", id, "steps", random.Next(-3, 12));
        }

        var all = board.FinalStandings();
        foreach (var count in Enumerable.Range(0, 302))
            Assert.True(all.Take(count).SequenceEqual(board.Leaders(count)), $"seed {seed}, count {count}");
    }

    [Fact]
    public void A_negative_count_of_leaders_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Board("a=1").Leaders(-1));
}
