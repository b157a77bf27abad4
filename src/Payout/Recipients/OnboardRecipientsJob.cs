using AccountCapabilitiesOptions = Stripe.AccountCapabilitiesOptions;
using AccountCapabilitiesTransfersOptions = Stripe.AccountCapabilitiesTransfersOptions;
using AccountCreateOptions = Stripe.AccountCreateOptions;
using AccountLinkCreateOptions = Stripe.AccountLinkCreateOptions;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Payout.Recipients;

/// <summary>
/// A winner with no connected account gets one (an Express account requesting transfers,
/// keyed per player so it is made once) and an onboarding link, kept in Payout's table (never on a topic: the
/// topic says only that the winner must onboard and where the platform gets them a link), by the core's
/// claim → lease → call → record (<see cref="ClaimedCalls"/>): a player is
/// claimed for a lease, so a second Payout process does not onboard them at the same time.
/// Their payouts wait until account.updated says the account can receive.
/// </summary>
public sealed class OnboardRecipientsJob(StripeApi stripe, PayoutOptions options, CrashPoints crash,
    ILogger<OnboardRecipientsJob> logger) : IJob
{
    /// <summary>How long a player whose onboarding failed waits before it is tried again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a player Stripe refused an account waits (Connect not enabled, the country not supported: a refusal
    /// asking again will not change): once a day, so a cause an operator fixed in Stripe is picked up by itself.
    /// </summary>
    public static readonly TimeSpan RefusedRetryAfter = TimeSpan.FromHours(24);

    public string Name => "onboard-recipients";
    public TimeSpan Interval => options.DispatchInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        await ClaimedCalls.RunAsync(job, new ClaimedCall<(string PlayerId, string ContestId), Onboarded>
        {
            What = "onboarding",
            ClaimAsync = context =>
                RecipientStore.ClaimPlayersWithoutAccountAsync(context, options.BatchSize, options.Lease),
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
    private sealed record Onboarded(RecipientView? Account, string? Url,
        DateTimeOffset LinkExpiresAt, StripeFailure? Failure);

    private async Task<Onboarded> OnboardAsync(string playerId, CancellationToken ct)
    {
        try
        {
            // An Express account requesting the transfers capability, keyed per player so it is made once.
            var account = await stripe.WriteAsync("POST /v1/accounts", $"account:{playerId}", (s, o, t) =>
                s.V1.Accounts.CreateAsync(
                new AccountCreateOptions
                {
                    Type = "express", Country = options.OnboardingCountry,
                    Capabilities = new AccountCapabilitiesOptions
                    {
                        Transfers = new AccountCapabilitiesTransfersOptions { Requested = true }
                    },
                    Metadata = new Dictionary<string, string> { ["player_id"] = playerId },
                }, o, t), ct);
            var link = await stripe.WriteAsync("POST /v1/account_links",
                $"onboarding:{playerId}:{account.Id}", (s, o, t) =>
                s.V1.AccountLinks.CreateAsync(new AccountLinkCreateOptions
                {
                    Account = account.Id, RefreshUrl = options.OnboardingRefreshUrl,
                    ReturnUrl = options.OnboardingReturnUrl, Type = "account_onboarding",
                }, o, t), ct);
            return new Onboarded(ConnectedAccounts.Of(account), link.Url,
                new DateTimeOffset(DateTime.SpecifyKind(link.ExpiresAt, DateTimeKind.Utc)), null);
        }
        catch (StripeFailure e)
        {
            return new Onboarded(null, null, default, e);
        }
    }

    private async Task RecordAsync(TransactionContext context, string playerId, string contestId, Onboarded outcome)
    {
        if (outcome is { Failure: { IsFinalRefusal: true } refusal })
        {
            await RefusedAsync(context, playerId, contestId, refusal);
            return;
        }
        if (outcome is not { Account: { } account, Url: { } url })
        {
            await RecipientStore.DeferOnboardingAsync(context, playerId, context.Clock.GetUtcNow() + RetryAfter);
            logger.LogWarning("Onboarding player {Player} failed, retrying in {Seconds} s: {Error}", playerId,
                RetryAfter.TotalSeconds, outcome.Failure?.Summary);
            return;
        }
        if (!await RecipientStore.InsertAsync(context, playerId, account, url)) return;
        // The link is a bearer secret that expires within minutes: it stays in Payout's own table, and the
        // topic says only where the winner gets one.
        context.Publish(Cause.Clock(Name, contestId), Topics.PayoutsStatus, contestId,
            RecipientOnboardingNeeded.MessageIdFor(playerId, account.AccountId),
            new RecipientOnboardingNeeded(playerId, contestId, account.AccountId,
                RecipientOnboardingNeeded.PathFor(playerId), context.Clock.GetUtcNow()));
    }

    /// <summary>
    /// Stripe refused the account for a reason asking again will not change: tried again once a day, and the first
    /// refusal of each kind tells the operators (critical: a prize cannot be paid) and the winner.
    /// </summary>
    private async Task RefusedAsync(TransactionContext context, string playerId, string contestId,
        StripeFailure refusal)
    {
        await RecipientStore.DeferOnboardingAsync(context, playerId, context.Clock.GetUtcNow() + RefusedRetryAfter);
        var code = refusal.Code ?? refusal.Type;
        logger.LogWarning("Stripe refused player {Player} an account, trying again in {Hours} h: {Error}", playerId,
            RefusedRetryAfter.TotalHours, refusal.Summary);
        if (!await RecipientStore.RecordRefusalAsync(context, playerId, code)) return;
        var cause = Cause.Clock(Name, contestId);
        context.Cause = cause;
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "recipient_account_refused", playerId,
            $"Stripe refused to create a connected account for player {playerId} ({refusal.Summary}); their prizes " +
            $"wait. Fix the cause in Stripe (Connect enabled for the platform? the account's country supported?): " +
            $"it is tried again every {RefusedRetryAfter.TotalHours:0} h, or reject the prizes (cpctl payouts reject)",
            $"{playerId}:{code}");
        context.Publish(cause, Topics.PayoutsStatus, contestId,
            RecipientAccountChanged.MessageIdFor(playerId, RecipientAccountStates.Refused, code),
            new RecipientAccountChanged(playerId, null, RecipientAccountStates.Refused, refusal.Message, [],
                context.Clock.GetUtcNow()));
        context.Cause = null;
    }
}
