using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Scoring.Boards;

/// <summary>
/// Publishes the leaders of every live contest whose standings changed since the last
/// publication. Computing on a short interval rather than per stat keeps the cost of a
/// 100,000-entry contest bounded however fast stats arrive, and the interval bounds how
/// stale published standings can be.
/// </summary>
/// <remarks>
/// Live standings are a view of the boards, superseded by the next publication, and nothing acts
/// on them as a fact (final standings, which settlement uses, are published by the referee through
/// the outbox). So they go straight to Kafka (<see cref="JobContext.PublishViewsAsync"/>), signed
/// as Scoring, rather than through the outbox: a round lost to a crash or an outage of Kafka is
/// published again, newer, by a later round. A board counts as published only once the broker has
/// its standings. With 200 contests that is about 500 publications of 10 KB a second, which the
/// outbox wrote, logged and read back.
/// </remarks>
public sealed class PublishStandingsJob(LiveBoards boards) : IJob
{
    public string Name => "publish-standings";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(100);

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        var now = job.Clock.GetUtcNow();
        var due = boards.Read(contests => contests.Values
            .Where(c => c.State is ContestState.Locked or ContestState.Live && c.Board.Version != c.PublishedVersion
                // A board that may miss another instance's stats waits for the next read-back (100 ms).
                && boards.IsCurrent(c.Definition))
            .Select(c =>
                (c, c.Board.Version, c.Board.EntryCount, Leaders: c.Board.Leaders(StandingsUpdated.LeadersMax),
                    AsOf: boards.AsOf(c.Definition)))
            .ToList());
        if (due.Count == 0) return false;
        // A board's version restarts with the worker: the publication time keeps ids unique.
        var views = due.Select(d =>
        {
            var contestId = d.c.Definition.ContestId;
            return job.View(Cause.Clock(Name, contestId), Topics.Standings, contestId,
                $"standings:{contestId}:live:{now.ToUnixTimeMilliseconds()}:{d.Version}",
                new StandingsUpdated(contestId, d.Version, d.EntryCount, d.Leaders, now, d.AsOf));
        }).ToList();
        await job.PublishViewsAsync(views, ct);
        foreach (var (contest, version, _, _, _) in due) contest.PublishedVersion = version;
        // Publishing again at once would find nothing new: the interval is the pacing.
        return false;
    }
}
