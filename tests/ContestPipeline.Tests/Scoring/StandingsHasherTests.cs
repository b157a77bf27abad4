using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Scoring.Boards;

namespace ContestPipeline.Tests.Scoring;

public sealed class StandingsHasherTests
{
    private static readonly ScoringRule[] Rules =
        [new("passing_yards", 40), new("passing_touchdowns", 4_000), new("interceptions", -1_000)];

    /// <summary>
    /// The pinned example: e-b = qb1 + qb2 = 22,000; e-c and e-d = qb2 = 12,000 (tied);
    /// e-a = qb1 = 10,000. Also fed: a game not covered, a stat without a rule and an athlete
    /// nobody picked, none of which may reach the inputs hash.
    /// </summary>
    private static ContestBoard PinnedFantasy()
    {
        var board = new ContestBoard(ScoringContests.Define("c-1", ContestKinds.Fantasy, ["g2", "g1"], Rules));
        board.AddEntry("e-b", "p-2", ["qb1", "qb2"]);
        board.AddEntry("e-a", "p-1", ["qb1"]);
        board.AddEntry("e-d", "p-4", ["qb2"]);
        board.AddEntry("e-c", "p-3", ["qb2"]);
        board.ApplyStat("g1", "qb1", "passing_yards", 300);
        board.ApplyStat("g1", "qb1", "interceptions", 2);
        board.ApplyStat("g2", "qb2", "passing_touchdowns", 3);
        board.ApplyStat("g2", "qb2", "passing_yards", 0);
        board.ApplyStat("g3", "qb1", "passing_yards", 999);
        board.ApplyStat("g1", "qb1", "rushing_yards", 50);
        board.ApplyStat("g1", "qb9", "passing_yards", 100);
        return board;
    }

    private static ContestBoard PinnedFitness()
    {
        var board = new ContestBoard(
            ScoringContests.Define("c-2", ContestKinds.Fitness, ["week-1"], [new ScoringRule("steps", 1)]));
        board.AddEntry("e-2", "b|ob", null);
        board.AddEntry("e-1", "alice", null);
        board.ApplyStat("week-1", "alice", "steps", 12_000);
        board.ApplyStat("week-1", "b|ob", "steps", -5);
        return board;
    }

    // Expected hashes are `printf '<canonical text>' | sha256sum` of the text in the comment,
    // not output of this code, so the documented format is what is pinned.
    [Fact]
    public void The_standings_hash_of_a_fixed_example_is_pinned()
    {
        var board = PinnedFantasy();
        // 1|e-b|p-2|22000\n2|e-c|p-3|12000\n2|e-d|p-4|12000\n4|e-a|p-1|10000\n
        Assert.Equal(
            [new StandingRow(1, "e-b", "p-2", 22_000), new StandingRow(2, "e-c", "p-3", 12_000),
                new StandingRow(2, "e-d", "p-4", 12_000), new StandingRow(4, "e-a", "p-1", 10_000)],
            board.FinalStandings());
        Assert.Equal("55dd3af89a2b75d0232431a7d68d57f088b50803a2817e24d1bbdc7bb3620fff", board.StandingsHash());
    }

    [Fact]
    public void The_inputs_hash_of_a_fixed_example_is_pinned()
    {
        // inputs|1\ncontest|c-1|fantasy\ngame|g1\ngame|g2\n
        // rule|interceptions|-1000\nrule|passing_touchdowns|4000\nrule|passing_yards|40\n
        // entry|e-a|p-1|1|qb1\nentry|e-b|p-2|2|qb1|qb2\nentry|e-c|p-3|1|qb2\nentry|e-d|p-4|1|qb2\n
        // stat|g1|qb1|interceptions|2\nstat|g1|qb1|passing_yards|300\n
        // stat|g2|qb2|passing_touchdowns|3\nstat|g2|qb2|passing_yards|0\n
        Assert.Equal("bee9b256a32ccf3b43152634e819b13c64caeba4230cb15b3025173bde5c6b75", PinnedFantasy().InputsHash());
    }

    [Fact]
    public void The_hashes_of_a_fitness_example_with_an_escaped_id_are_pinned()
    {
        var board = PinnedFitness();
        // 1|e-1|alice|12000\n2|e-2|b%7Cob|-5\n
        Assert.Equal("881533f3c2a12dedc18076ecbe8134cabf6c852a74bc2fafa98974fc70a1d82b", board.StandingsHash());
        // inputs|1\ncontest|c-2|fitness\ngame|week-1\nrule|steps|1\nentry|e-1|alice|self\nentry|e-2|b%7Cob|self\n
        // stat|week-1|alice|steps|12000\nstat|week-1|b%7Cob|steps|-5\n
        Assert.Equal("16a4abab7fee1c6f460e1c75c04d8919a042a213f8ff3907fd3eeba70877b54f", board.InputsHash());
    }

    [Fact]
    public void No_rows_hash_as_the_empty_text() =>
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            StandingsHasher.StandingsHash([]));

    [Theory]
    [InlineData("a|b", "c", "a", "b|c")]
    [InlineData("a\nb", "c", "a", "b\nc")]
    [InlineData("a%7Cb", "c", "a|b", "c")]        // an id that looks like an escape stays distinct
    public void Ids_containing_separators_cannot_collide(string entryA, string playerA, string entryB,
        string playerB) =>
        Assert.NotEqual(
            StandingsHasher.StandingsHash([new StandingRow(1, entryA, playerA, 0)]),
            StandingsHasher.StandingsHash([new StandingRow(1, entryB, playerB, 0)]));

    [Fact]
    public void The_inputs_hash_does_not_depend_on_the_order_inputs_are_listed_in_or_on_unused_values()
    {
        var board = PinnedFantasy();
        var definition = board.Definition with
        {
            GameIds = ["g1", "g2", "g1"],
            ScoringRules = [.. Rules.Reverse()],
        };
        var values = board.StatValues().Reverse()
            .Append(new StatValue("g9", "qb1", "passing_yards", 1))       // game not covered
            .Append(new StatValue("g1", "qb1", "steps", 1))               // no rule
            .Append(new StatValue("g1", "qb7", "passing_yards", 1))       // nobody picked
            .Append(new StatValue("g1", "qb1", "passing_yards", 300));    // a repeat of the same value

        Assert.Equal(board.InputsHash(), StandingsHasher.InputsHash(definition, board.Entries.Reverse(), values));
    }

    public static TheoryData<string, Func<ContestDefined, ContestDefined>,
        Func<IEnumerable<ScoringEntry>, IEnumerable<ScoringEntry>>,
        Func<IEnumerable<StatValue>, IEnumerable<StatValue>>> Changes() => new()
    {
        { "contest id", d => d with { ContestId = "c-9" }, e => e, v => v },
        { "kind", d => d with { Kind = ContestKinds.Fitness }, e => e, v => v },
        { "a covered game", d => d with { GameIds = ["g1", "g2", "g4"] }, e => e, v => v },
        { "a rule's points", d => d with { ScoringRules = [new("passing_yards", 41), Rules[1], Rules[2]] },
            e => e, v => v },
        { "a rule for another stat", d => d with { ScoringRules = [.. Rules, new("rushing_yards", 100)] },
            e => e, v => v },
        { "an entry more", d => d, e => e.Append(new ScoringEntry("e-z", "p-9", ["qb1"])), v => v },
        { "an entry's player", d => d,
            e => e.Select(x => x.EntryId == "e-a" ? new ScoringEntry("e-a", "p-9", x.Lineup) : x), v => v },
        { "a lineup's order", d => d,
            e => e.Select(x => x.EntryId == "e-b" ? new ScoringEntry("e-b", "p-2", ["qb2", "qb1"]) : x), v => v },
        { "a stat value", d => d, e => e, v => v.Select(x => x.Stat == "interceptions" ? x with { Value = 3 } : x) },
        { "a value of zero left out", d => d, e => e, v => v.Where(x => x.Value != 0) },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void The_inputs_hash_changes_with_any_input_that_scoring_reads(
        string change,
        Func<ContestDefined, ContestDefined> definition,
        Func<IEnumerable<ScoringEntry>, IEnumerable<ScoringEntry>> entries,
        Func<IEnumerable<StatValue>, IEnumerable<StatValue>> values)
    {
        var board = PinnedFantasy();
        var changed = StandingsHasher.InputsHash(definition(board.Definition), entries(board.Entries),
            values(board.StatValues()));
        Assert.True(board.InputsHash() != changed, $"changing {change} left the hash unchanged");
    }

    [Fact]
    public void Two_different_values_for_one_stat_are_refused()
    {
        var board = PinnedFantasy();
        var values = board.StatValues().Append(new StatValue("g1", "qb1", "passing_yards", 301));
        Assert.Throws<ArgumentException>(() => StandingsHasher.InputsHash(board.Definition, board.Entries, values));
    }

    [Fact]
    public void Two_different_entries_with_one_id_are_refused()
    {
        var board = PinnedFantasy();
        var entries = board.Entries.Append(new ScoringEntry("e-a", "p-1", ["qb2"]));
        Assert.Throws<ArgumentException>(() =>
            StandingsHasher.InputsHash(board.Definition, entries, board.StatValues()));
    }
}
