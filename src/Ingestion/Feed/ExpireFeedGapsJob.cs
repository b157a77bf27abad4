using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Ingestion.Feed;

/// <summary>Gives up feed gaps whose hold time has passed (alerted), releasing what waited behind them.</summary>
public sealed class ExpireFeedGapsJob(FeedStore feed) : IJob
{
    public const int GamesPerRunMax = 50;

    public const string JobName = "expire-feed-gaps";

    public string Name => JobName;
    public TimeSpan Interval => TimeSpan.FromSeconds(1);

    public Task<bool> RunAsync(JobContext job, CancellationToken ct) => job.InTransactionAsync(Name, async context =>
    {
        var due = await GameStore.GamesWithGapsDueAsync(context, GamesPerRunMax);
        var games = await GameStore.GamesForUpdateAsync(context, due);
        foreach (var game in games.Values) await feed.TickAsync(context, game);
        return due.Count >= GamesPerRunMax;
    }, ct);
}
