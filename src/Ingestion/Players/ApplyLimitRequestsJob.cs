using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Players;

namespace ContestPipeline.Ingestion.Players;

/// <summary>
/// Applies the platform's requests to change a player's limits (<see cref="LimitRules"/>), oldest first, each under
/// the player's lock so no decision round counts the player's spend against limits half changed; answers each with
/// what it did (or why not), which the player API returns.
/// </summary>
public sealed class ApplyLimitRequestsJob(IngestionOptions options) : IJob
{
    public const int RequestsPerRunMax = 100;

    public string Name => "apply-limit-requests";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(200);

    public Task<bool> RunAsync(JobContext job, CancellationToken ct) => job.InTransactionAsync(Name, async context =>
    {
        var now = context.Clock.GetUtcNow();
        var requests = await PlayerLimitStore.WaitingRequestsAsync(context, RequestsPerRunMax);
        // One player's requests in the order made; players in one order everywhere, so two instances never wait
        // on each other's players.
        foreach (var r in requests.OrderBy(r => r.PlayerId, StringComparer.Ordinal))
        {
            if (LimitRules.Problem(r.Change) is { } problem)
            {
                await PlayerLimitStore.AnswerAsync(context, r.RequestId, "refused", problem, now);
                continue;
            }
            await PlayerLimitStore.LockAsync(context, r.PlayerId);
            var current = (await PlayerLimitStore.LimitsAsync(context, [r.PlayerId])).GetValueOrDefault(r.PlayerId);
            var (next, summary) = LimitRules.Apply(current, r.Change, now, options.Limits);
            await PlayerLimitStore.SaveAsync(context, r.PlayerId, next, now);
            await PlayerLimitStore.AnswerAsync(context, r.RequestId, "applied", summary, now);
        }
        return requests.Count >= RequestsPerRunMax;
    }, ct);
}
