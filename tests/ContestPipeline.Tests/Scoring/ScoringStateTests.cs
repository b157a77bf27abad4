using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Scoring.Boards;
using ContestPipeline.Scoring.Stats;

namespace ContestPipeline.Tests.Scoring;

/// <summary>
/// A live board is published only when it holds exactly the stats up to the sequences its asOf names: never while
/// another instance's stats for one of its games may be missing (the game newly covered, or its partition newly
/// given to this instance), until a read-back that started after that point has been applied.
/// </summary>
public sealed class ScoringStateTests
{
    private static readonly ContestDefined Contest =
        ScoringContests.Fantasy(["g1"], ScoringContests.Football);

    private static StatFact Yards(long value, long sequence) => new("g1", "qb", "passing_yards", value, sequence);

    private static (bool Current, long Score, long? AsOf) Look(LiveBoards state) =>
        state.Read<(bool, long, long?)>(contests =>
        {
            var c = contests[Contest.ContestId];
            return (state.IsCurrent(c.Definition), c.Board.EntryScoreMilli("e1"),
                state.AsOf(c.Definition).TryGetValue("g1", out var seq) ? seq : null);
        });

    [Fact]
    public void A_board_whose_game_is_newly_covered_waits_for_a_read_back_taken_after()
    {
        var state = new LiveBoards();
        state.AddContest(Contest, ContestState.Live);
        state.AddEntry(Contest.ContestId, "e1", "p1", ["qb"]);
        Assert.False(Look(state).Current);

        state.ApplySynced(state.GamesToSync(), [Yards(100, 5)]);
        Assert.Equal((true, 4_000L, 5L), Look(state));
    }

    [Fact]
    public void A_board_dropped_and_loaded_again_is_never_seen_claiming_stats_it_does_not_hold()
    {
        var state = new LiveBoards();
        state.Load([(Contest, ContestState.Live, 0)], [(Contest.ContestId, "e1", "p1", ["qb"])], [Yards(100, 5)]);
        state.ApplySynced(state.GamesToSync(), []);
        Assert.Equal((true, 4_000L, 5L), Look(state));

        // The partition moves away and comes back: the values kept for the game went with the board, and so
        // did the sequence they were held to.
        state.DropPartitions([0]);
        state.Load([(Contest, ContestState.Live, 0)], [(Contest.ContestId, "e1", "p1", ["qb"])],
            [Yards(100, 5), Yards(250, 9)]);
        Assert.Equal((false, 10_000L, 9L), Look(state));
        state.ApplySynced(state.GamesToSync(), []);
        Assert.Equal((true, 10_000L, 9L), Look(state));
    }

    [Fact]
    public void Game_partitions_given_to_this_instance_hold_publication_until_the_next_read_back()
    {
        var state = new LiveBoards();
        state.AddContest(Contest, ContestState.Live);
        state.AddEntry(Contest.ContestId, "e1", "p1", ["qb"]);
        var before = state.GamesToSync();
        state.GamesReassigned();
        // Its own stat after the previous owner's, which are not read back yet.
        state.ApplyStats([Yards(250, 9)]);

        // A read-back taken before the partitions were given does not count; one taken after does.
        state.ApplySynced(before, []);
        Assert.False(Look(state).Current);
        state.ApplySynced(state.GamesToSync(), [Yards(100, 5), Yards(180, 7)]);
        Assert.Equal((true, 10_000L, 9L), Look(state));
    }
}
