using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Domain;

namespace ContestPipeline.Scoring.Jobs;

/// <summary>
/// Publishes the leaders of every live contest whose standings changed since the last
/// publication. Computing on a short interval rather than per stat keeps the cost of a
/// 100,000-entry contest bounded however fast stats arrive, and the interval bounds how
/// stale published standings can be.
/// </summary>
public sealed class PublishStandingsJob(ScoringState boards) : IJob
{
    public string Name => "publish-standings";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(100);

    public Task<bool> RunAsync(JobContext job, CancellationToken ct) => job.InTransactionAsync(Name, context =>
    {
        var now = context.Clock.GetUtcNow();
        var due = boards.Read(contests => contests.Values
            .Where(c => c.State is ContestState.Locked or ContestState.Live && c.Board.Version != c.PublishedVersion
                // A board that may miss another instance's stats waits for the next read-back (100 ms).
                && boards.IsCurrent(c.Definition))
            .Select(c =>
                (c, c.Board.Version, c.Board.EntryCount, Leaders: c.Board.Leaders(StandingsUpdated.LeadersMax),
                    AsOf: boards.AsOf(c.Definition)))
            .ToList());
        foreach (var (contest, version, entryCount, leaders, asOf) in due)
        {
            var contestId = contest.Definition.ContestId;
            // Live standings are a view, not a fact with a natural id, and a board's version
            // restarts with the worker: the publication time keeps ids unique.
            context.Publish(Cause.Clock(Name, contestId), Topics.Standings, contestId,
                $"standings:{contestId}:live:{now.ToUnixTimeMilliseconds()}:{version}",
                new StandingsUpdated(contestId, version, entryCount, leaders, now, asOf));
            context.OnCommitted(() => contest.PublishedVersion = version);
        }
        // Publishing again at once would find nothing new: the interval is the pacing.
        return Task.FromResult(false);
    }, ct);
}
