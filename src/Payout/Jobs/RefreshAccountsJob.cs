using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Extensions;
using ContestPipeline.Payout.Domain;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.Jobs;

/// <summary>
/// Reads the accounts account.updated asked about, as they are now (events about one account
/// can arrive in any order), outside any consume transaction; when a player's account can
/// receive, that player's payouts waiting for an account go. Reads are claimed for a lease, as
/// in <see cref="ReadTransfersJob"/>.
/// </summary>
public sealed class RefreshAccountsJob(IStripeClient stripe, PayoutOptions options) : IJob
{
    public string Name => "refresh-accounts";
    public TimeSpan Interval => options.DispatchInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        var due = await job.InTransactionAsync("find accounts to read", c => PayoutStore.ClaimAccountRefreshesAsync(c, options.BatchSize, options.Lease), ct);
        foreach (var (accountId, eventId, requestedAt) in due)
        {
            StripeAccount? account;
            try
            {
                account = await stripe.GetAccountAsync(accountId, ct);
            }
            catch (StripeException e) when (e.Code == StripeErrorCodes.ResourceMissing)
            {
                account = null;
            }
            catch (StripeException e) when (e.IsRetryable)
            {
                throw new TransientDependencyException("Stripe", e);
            }
            catch (StripeException e) when (e.IsUnreadableAnswer)
            {
                // Reading it again gives the same answer: told once, and the request is done
                // (the next account.updated asks again; the payouts keep waiting meanwhile).
                await job.InTransactionAsync("account unreadable", async context =>
                {
                    context.Cause = Cause.Recorded(accountId, eventId);
                    context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "stripe_account_unreadable", accountId,
                        $"account {accountId} could not be read from Stripe: {e.Message}", $"{accountId}:{eventId}");
                    await PayoutStore.CompleteAccountRefreshAsync(context, accountId, requestedAt);
                    return true;
                }, ct);
                continue;
            }
            await job.InTransactionAsync("apply account", async context =>
            {
                context.Cause = Cause.Recorded(accountId, eventId);
                if (account is not null) await ApplyAsync(context, account);
                await PayoutStore.CompleteAccountRefreshAsync(context, accountId, requestedAt);
                return true;
            }, ct);
        }
        return due.Count >= options.BatchSize;
    }

    private static async Task ApplyAsync(HandlerContext context, StripeAccount account)
    {
        if (!account.Metadata.TryGetValue("player_id", out var playerId)) return;
        var canReceive = Recipients.CanReceive(account);
        if (await PayoutStore.RecipientForUpdateAsync(context, playerId) is { } current && current.AccountId != account.Id && (current.CanReceive || !canReceive))
            return;
        await PayoutStore.UpsertRecipientAsync(context, playerId, account);
        if (!canReceive) return;
        var now = context.Clock.GetUtcNow();
        foreach (var payout in await PayoutStore.OfPlayerAsync(context, playerId, PayoutStates.AwaitingAccount))
            await PayoutStore.SaveAsync(context, payout, payout with
            {
                State = PayoutStates.Waiting, Reason = $"account {account.Id} can receive transfers", NextAttemptAt = now,
            });
    }
}
