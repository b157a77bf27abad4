using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Recipients;

/// <summary>
/// Deletes the platform's onboarding-link and login-link requests older than
/// <see cref="PayoutOptions.OnboardingLinkRetention"/> (7 days by default), answered or not, on the injected clock: the
/// tables hold links that let their holder onboard an account or open its dashboard, and the read API's per-player
/// limits need only the last window's requests. Payout owns the tables; the read API's role may only add and read
/// rows.
/// </summary>
public sealed class PurgeOnboardingLinksJob(PayoutOptions options) : IJob
{
    /// <summary>Requests deleted per transaction.</summary>
    public const int BatchSize = 1_000;

    public string Name => "purge-onboarding-links";
    public TimeSpan Interval => options.OnboardingLinkPurgeInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        var before = job.Clock.GetUtcNow() - options.OnboardingLinkRetention;
        var deleted = await job.InTransactionAsync("purge onboarding-link requests",
            context => OnboardingLinkStore.PurgeAsync(context, before, BatchSize), ct);
        var loginLinks = await job.InTransactionAsync("purge login-link requests",
            context => LoginLinkStore.PurgeAsync(context, before, BatchSize), ct);
        return deleted >= BatchSize || loginLinks >= BatchSize;
    }
}
