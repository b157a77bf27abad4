using AccountLinkCreateOptions = Stripe.AccountLinkCreateOptions;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Payout.Recipients;

/// <summary>
/// Answers the platform's requests for a fresh onboarding link (payout.onboarding_link_requests, added by its read
/// API): a winner whose account is still onboarding gets a new Stripe account link, made through the one Stripe
/// client and its rate budget, by the core's claim → lease → call → record (<see cref="ClaimedCalls"/>). Requests
/// for a player with no account being onboarded, or one that can already receive, are answered with why not, and
/// cost no call. The link is kept in Payout's tables only: it never goes on a topic.
/// </summary>
public sealed class AnswerOnboardingLinksJob(StripeApi stripe, PayoutOptions options, CrashPoints crash,
    ILogger<AnswerOnboardingLinksJob> logger) : IJob
{
    public string Name => "answer-onboarding-links";
    public TimeSpan Interval => options.DispatchInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct) =>
        await ClaimedCalls.RunAsync(job, new ClaimedCall<OnboardingLinkStore.Wanted, Minted>
        {
            What = "onboarding link",
            ClaimAsync = context => OnboardingLinkStore.ClaimAsync(context, options.BatchSize, options.Lease),
            IdOf = r => r.RequestId,
            CallAsync = MintAsync,
            RecordAsync = RecordAsync,
            Lease = options.Lease,
            RenewAsync = OnboardingLinkStore.RenewAsync,
        }, crash, logger, ct) >= options.BatchSize;

    /// <summary>The new link and when it expires, or Stripe's refusal.</summary>
    private sealed record Minted(string? Url, DateTimeOffset ExpiresAt, StripeFailure? Failure);

    private async Task<Minted> MintAsync(OnboardingLinkStore.Wanted request, CancellationToken ct)
    {
        try
        {
            // One key per request: a request re-sent after a crash gets the same link, another request a new one.
            var key = $"onboarding-link:{request.RequestId}";
            var link = await stripe.WriteAsync("POST /v1/account_links", key, (s, o, t) =>
                s.V1.AccountLinks.CreateAsync(new AccountLinkCreateOptions
                {
                    Account = request.AccountId, RefreshUrl = options.OnboardingRefreshUrl,
                    ReturnUrl = options.OnboardingReturnUrl,
                    Type = "account_onboarding",
                }, o, t), ct);
            var expiresAt = new DateTimeOffset(DateTime.SpecifyKind(link.ExpiresAt, DateTimeKind.Utc));
            return new Minted(link.Url, expiresAt, null);
        }
        catch (StripeFailure e) when (e.IsRetryable)
        {
            throw new TransientDependencyException("Stripe", e);
        }
        catch (StripeFailure e)
        {
            return new Minted(null, default, e);
        }
    }

    private async Task RecordAsync(TransactionContext context, OnboardingLinkStore.Wanted request, Minted minted)
    {
        if (minted.Url is { } url)
        {
            await OnboardingLinkStore.AnswerAsync(context, request, url, minted.ExpiresAt);
            return;
        }
        logger.LogWarning("Stripe refused an onboarding link for player {Player}: {Error}", request.PlayerId,
            minted.Failure?.Summary);
        await OnboardingLinkStore.RefuseAsync(context, request.RequestId,
            "Stripe refused a new onboarding link (ask again later): " + minted.Failure?.Summary);
    }
}
