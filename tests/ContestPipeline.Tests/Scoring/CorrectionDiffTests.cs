using ContestPipeline.Contracts.Standings;
using ContestPipeline.Scoring.Corrections;

namespace ContestPipeline.Tests.Scoring;

/// <summary>The diff a correction after COMPLETE is reported as: official standings against corrected ones.</summary>
public sealed class CorrectionDiffTests
{
    private static readonly StandingRow[] Final =
    [
        new(1, "e-a", "ann", 30_000), new(2, "e-b", "ben", 20_000), new(2, "e-c", "cat", 20_000),
        new(4, "e-d", "dan", 10_000),
    ];

    [Fact]
    public void Unchanged_standings_give_no_changes()
    {
        Assert.Empty(StandingsDiff.Of(Final, Final));
    }

    [Fact]
    public void Entries_whose_rank_or_score_moved_are_listed_best_rank_first_then_by_entry_id()
    {
        // dan's correction lifts him into a three-way tie for second; ben and cat keep rank 2.
        StandingRow[] corrected = [new(1, "e-a", "ann", 30_000), new(2, "e-b", "ben", 20_000),
            new(2, "e-c", "cat", 20_000), new(2, "e-d", "dan", 20_000)];
        var changes = StandingsDiff.Of(Final, corrected);
        Assert.Equal([new StandingChange("e-d", "dan", 4, 10_000, 2, 20_000)], changes);

        // ann loses points but keeps first: a score change alone is listed too.
        corrected = [new(1, "e-a", "ann", 25_000), new(2, "e-b", "ben", 20_000), new(2, "e-c", "cat", 20_000),
            new(4, "e-d", "dan", 10_000)];
        Assert.Equal(["e-a"], StandingsDiff.Of(Final, corrected).Select(c => c.EntryId));

        // cat overtakes everyone: cat (best rank 1), ann (1 → 2), ben (2 → 3).
        corrected = [new(1, "e-c", "cat", 40_000), new(2, "e-a", "ann", 30_000), new(3, "e-b", "ben", 20_000),
            new(4, "e-d", "dan", 10_000)];
        Assert.Equal(["e-a", "e-c", "e-b"], StandingsDiff.Of(Final, corrected).Select(c => c.EntryId));
    }
}
