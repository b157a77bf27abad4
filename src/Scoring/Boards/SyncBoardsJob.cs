using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Contests;
using ContestPipeline.Scoring.Stats;

namespace ContestPipeline.Scoring.Boards;

/// <summary>
/// Brings the boards this instance keeps up to what every instance committed: the stats of
/// their games that another instance consumed (game facts are keyed by game, so they are split
/// between instances whose boards are split by contest), and the lifecycle states any
/// instance's referee set. A stat already applied, or older than the value held, is a no-op, so
/// with one instance this reads back only what it applied itself. The interval bounds how much
/// later than its own stats a board shows another instance's.
/// </summary>
public sealed class SyncBoardsJob(LiveBoards boards) : IJob
{
    public string Name => "sync-boards";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(100);

    public Task<bool> RunAsync(JobContext job, CancellationToken ct) => job.InTransactionAsync(Name, async context =>
    {
        var contests = boards.ContestIds();
        if (contests.Length == 0) return false;
        foreach (var (contestId, state) in await ContestStore.StatesAsync(context, contests))
            boards.SetState(contestId, state);
        var cursor = boards.GamesToSync();
        if (cursor.Games.Length > 0)
            boards.ApplySynced(cursor, await StatStore.StatsAfterAsync(context, cursor.Games, cursor.After));
        // The interval is the pacing: what commits meanwhile is read next time.
        return false;
    }, ct);
}
