using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Domain;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Payout.Jobs;

/// <summary>
/// A winner with no connected account gets one (an Express account requesting transfers,
/// keyed per player so it is made once) and an onboarding link, published for the app to
/// show. Their payouts wait until account.updated says the account can receive. A player is
/// claimed for a lease, so a second Payout process does not onboard them at the same time.
/// </summary>
public sealed class OnboardRecipientsJob(IStripeClient stripe, PayoutOptions options, ILogger<OnboardRecipientsJob> logger) : IJob
{
    /// <summary>How long a player whose onboarding failed waits before it is tried again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);

    public string Name => "onboard-recipients";
    public TimeSpan Interval => options.DispatchInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        var players = await job.InTransactionAsync("claim players without an account",
            c => PayoutStore.ClaimPlayersWithoutAccountAsync(c, options.BatchSize, options.Lease), ct);
        foreach (var (playerId, contestId) in players)
        {
            try
            {
                var account = await stripe.CreateAccountAsync(new AccountCreate(options.OnboardingCountry, null,
                    new Dictionary<string, string> { ["player_id"] = playerId }), $"account:{playerId}", ct);
                var link = await stripe.CreateAccountLinkAsync(new AccountLinkCreate(account.Id, options.OnboardingRefreshUrl, options.OnboardingReturnUrl),
                    $"onboarding:{playerId}:{account.Id}", ct);
                await job.InTransactionAsync("record recipient", async context =>
                {
                    if (!await PayoutStore.InsertRecipientAsync(context, playerId, account, link.Url)) return false;
                    context.Publish(Cause.Clock(Name, contestId), Topics.PayoutsStatus, contestId, RecipientOnboardingRequested.MessageIdFor(playerId, account.Id),
                        new RecipientOnboardingRequested(playerId, contestId, account.Id, link.Url, DateTimeOffset.FromUnixTimeSeconds(link.ExpiresAt)));
                    return true;
                }, ct);
            }
            catch (StripeException e)
            {
                var retryAt = job.Clock.GetUtcNow() + RetryAfter;
                await job.InTransactionAsync("defer onboarding", async c =>
                {
                    await PayoutStore.DeferOnboardingAsync(c, playerId, retryAt);
                    return true;
                }, ct);
                logger.LogWarning("Onboarding player {Player} failed, retrying in {Seconds} s: {Error}", playerId, RetryAfter.TotalSeconds, e.Summary);
            }
        }
        // Onboarding waits on the players: nothing is gained by asking again at once.
        return false;
    }
}
