using ContestPipeline.Ingestion.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Ingestion.Jobs;

/// <summary>
/// Stops taking entries for contests whose lock time has come, announcing each final entry
/// list. A covered game starting first closes entries too (the feed, FeedStore).
/// </summary>
public sealed class CloseEntriesJob : IJob
{
    public const int ContestsPerRunMax = 100;

    public string Name => "close-entries";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(200);

    public Task<bool> RunAsync(JobContext job, CancellationToken ct) => job.InTransactionAsync(Name, async context =>
    {
        var due = await IngestionStore.ContestsDueToCloseAsync(context, ContestsPerRunMax);
        foreach (var contestId in due) await IngestionStore.CloseEntriesAsync(context, Cause.Clock(Name, contestId), contestId);
        return due.Count >= ContestsPerRunMax;
    }, ct);
}
