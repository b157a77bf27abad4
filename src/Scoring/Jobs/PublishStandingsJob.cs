using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Runtime;

namespace ContestPipeline.Scoring.Jobs;

/// <summary>
/// Publishes the leaders of every live contest whose standings changed since the last
/// publication. Computing on a short interval rather than per stat keeps the cost of a
/// 100,000-entry contest bounded however fast stats arrive, and the interval bounds how
/// stale published standings can be.
/// </summary>
public sealed class PublishStandingsJob(ScoringState memory) : IPeriodicJob
{
    public string Name => "publish-standings";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(100);

    public Task RunAsync(HandlerContext context, CancellationToken ct)
    {
        var now = context.Clock.GetUtcNow();
        var due = memory.Read(contests => contests.Values
            .Where(c => c.State is ContestState.Locked or ContestState.Live && c.Board.Version != c.PublishedVersion)
            .Select(c => (c, c.Board.Version, c.Board.EntryCount, Leaders: c.Board.Leaders(StandingsUpdated.LeadersMax)))
            .ToList());
        foreach (var (contest, version, entryCount, leaders) in due)
        {
            var contestId = contest.Definition.ContestId;
            var id = $"standings:{contestId}:live:{version}";
            context.Publish(OutgoingMessage.Create(Topics.Standings, contestId,
                new Envelope(id, StandingsUpdated.MessageType, StandingsUpdated.SchemaVersion, contestId, null, now),
                new StandingsUpdated(contestId, version, entryCount, leaders, now)));
            context.OnCommitted(() => contest.PublishedVersion = version);
        }
        return Task.CompletedTask;
    }
}
