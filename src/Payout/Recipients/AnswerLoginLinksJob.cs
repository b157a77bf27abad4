using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Payout.Recipients;

/// <summary>
/// Answers the platform's requests for a link to a winner's Express dashboard (payout.login_link_requests, added by
/// its read API): a winner whose account has finished onboarding gets a new Stripe login link
/// (<c>POST /v1/accounts/{id}/login_links</c>), made through the one Stripe client and its rate budget, by the core's
/// claim → lease → call → record (<see cref="ClaimedCalls"/>). Requests for a player with no account, or one still
/// onboarding (Stripe makes login links for onboarded Express accounts only), are answered with why not, and cost no
/// call. The link is kept in Payout's table only: it never goes on a topic.
/// </summary>
public sealed class AnswerLoginLinksJob(StripeApi stripe, PayoutOptions options, CrashPoints crash,
    ILogger<AnswerLoginLinksJob> logger) : IJob
{
    public string Name => "answer-login-links";
    public TimeSpan Interval => options.DispatchInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct) =>
        await ClaimedCalls.RunAsync(job, new ClaimedCall<LoginLinkStore.Wanted, Minted>
        {
            What = "login link",
            ClaimAsync = context => LoginLinkStore.ClaimAsync(context, options.BatchSize, options.Lease),
            IdOf = r => r.RequestId,
            CallAsync = MintAsync,
            RecordAsync = RecordAsync,
            Lease = options.Lease,
            RenewAsync = LoginLinkStore.RenewAsync,
        }, crash, logger, ct) >= options.BatchSize;

    /// <summary>The new link, or Stripe's refusal.</summary>
    private sealed record Minted(string? Url, StripeFailure? Failure);

    private async Task<Minted> MintAsync(LoginLinkStore.Wanted request, CancellationToken ct)
    {
        try
        {
            // One key per request: a request re-sent after a crash gets the same link, another request a new one.
            var key = $"login-link:{request.RequestId}";
            var link = await stripe.WriteAsync("POST /v1/accounts/{id}/login_links", key, (s, o, t) =>
                s.V1.Accounts.LoginLinks.CreateAsync(request.AccountId, null, o, t), ct);
            return new Minted(link.Url, null);
        }
        catch (StripeFailure e) when (e.IsRetryable)
        {
            throw new TransientDependencyException("Stripe", e);
        }
        catch (StripeFailure e)
        {
            return new Minted(null, e);
        }
    }

    private async Task RecordAsync(TransactionContext context, LoginLinkStore.Wanted request, Minted minted)
    {
        if (minted.Url is { } url)
        {
            await LoginLinkStore.AnswerAsync(context, request, url);
            return;
        }
        logger.LogWarning("Stripe refused a login link for player {Player}: {Error}", request.PlayerId,
            minted.Failure?.Summary);
        await LoginLinkStore.RefuseAsync(context, request.RequestId,
            "Stripe refused a login link to the account's dashboard: " + minted.Failure?.Summary);
    }
}
