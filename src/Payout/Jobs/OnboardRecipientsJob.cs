using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Domain;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Payout.Jobs;

/// <summary>
/// A winner with no connected account gets one (an Express account requesting transfers,
/// keyed per player so it is made once) and an onboarding link, published for the app to
/// show, by the core's claim → lease → call → record (<see cref="ClaimedCalls"/>): a player is
/// claimed for a lease, so a second Payout process does not onboard them at the same time.
/// Their payouts wait until account.updated says the account can receive.
/// </summary>
public sealed class OnboardRecipientsJob(IStripeClient stripe, PayoutOptions options, CrashPoints crash,
    ILogger<OnboardRecipientsJob> logger) : IJob
{
    /// <summary>How long a player whose onboarding failed waits before it is tried again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);

    public string Name => "onboard-recipients";
    public TimeSpan Interval => options.DispatchInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        await ClaimedCalls.RunAsync(job, new ClaimedCall<(string PlayerId, string ContestId), Onboarded>
        {
            What = "onboarding",
            ClaimAsync = context => RecipientStore.ClaimPlayersWithoutAccountAsync(context, options.BatchSize, options.Lease),
            IdOf = p => p.PlayerId,
            CallAsync = (p, token) => OnboardAsync(p.PlayerId, token),
            RecordAsync = (context, p, outcome) => RecordAsync(context, p.PlayerId, p.ContestId, outcome),
            Lease = options.Lease,
            RenewAsync = RecipientStore.RenewOnboardingClaimsAsync,
        }, crash, logger, ct);
        // Onboarding waits on the players: nothing is gained by asking again at once.
        return false;
    }

    /// <summary>The account made and its link, or Stripe's refusal.</summary>
    private sealed record Onboarded(RecipientView? Account, string? Url, DateTimeOffset LinkExpiresAt, StripeException? Failure);

    private async Task<Onboarded> OnboardAsync(string playerId, CancellationToken ct)
    {
        try
        {
            var account = await stripe.CreateAccountAsync(new AccountCreate(options.OnboardingCountry, null,
                new Dictionary<string, string> { ["player_id"] = playerId }), $"account:{playerId}", ct);
            var link = await stripe.CreateAccountLinkAsync(
                new AccountLinkCreate(account.Id, options.OnboardingRefreshUrl, options.OnboardingReturnUrl),
                $"onboarding:{playerId}:{account.Id}", ct);
            return new Onboarded(Recipients.Of(account), link.Url, DateTimeOffset.FromUnixTimeSeconds(link.ExpiresAt), null);
        }
        catch (StripeException e)
        {
            return new Onboarded(null, null, default, e);
        }
    }

    private async Task RecordAsync(TransactionContext context, string playerId, string contestId, Onboarded outcome)
    {
        if (outcome is not { Account: { } account, Url: { } url })
        {
            await RecipientStore.DeferOnboardingAsync(context, playerId, context.Clock.GetUtcNow() + RetryAfter);
            logger.LogWarning("Onboarding player {Player} failed, retrying in {Seconds} s: {Error}", playerId,
                RetryAfter.TotalSeconds, outcome.Failure?.Summary);
            return;
        }
        if (!await RecipientStore.InsertAsync(context, playerId, account, url)) return;
        context.Publish(Cause.Clock(Name, contestId), Topics.PayoutsStatus, contestId,
            RecipientOnboardingRequested.MessageIdFor(playerId, account.AccountId),
            new RecipientOnboardingRequested(playerId, contestId, account.AccountId, url, outcome.LinkExpiresAt));
    }
}
