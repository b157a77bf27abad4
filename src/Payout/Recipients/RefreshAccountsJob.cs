using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Payout.StripeEvents;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Payout.Recipients;

/// <summary>
/// Reads the accounts account.updated asked about, as they are now (events about one account
/// can arrive in any order), by the core's claim → lease → call → record
/// (<see cref="ClaimedCalls"/>); when a player's account can receive, that player's payouts
/// waiting for an account go.
/// </summary>
public sealed class RefreshAccountsJob(StripeApi stripe, PayoutOptions options, CrashPoints crash,
    ILogger<RefreshAccountsJob> logger) : IJob
{
    public string Name => "refresh-accounts";
    public TimeSpan Interval => options.DispatchInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct) =>
        await ClaimedCalls.RunAsync(job, new ClaimedCall<ReadRequest, Read>
        {
            What = "account read",
            ClaimAsync = context => ReadRequestStore.Accounts.ClaimAsync(context, options.BatchSize, options.Lease),
            IdOf = r => r.ObjectId,
            CallAsync = ReadAsync,
            RecordAsync = RecordAsync,
            Lease = options.Lease,
            RenewAsync = ReadRequestStore.Accounts.RenewAsync,
        }, crash, logger, ct) >= options.BatchSize;

    /// <summary>
    /// The account as Stripe has it and the player it names; null when Stripe does not know it, or why its answer could
    /// not be read.
    /// </summary>
    private sealed record Read(RecipientView? Account, string? PlayerId, string? Unreadable);

    private async Task<Read> ReadAsync(ReadRequest read, CancellationToken ct)
    {
        var lookup = await stripe.LookUpAsync("GET /v1/accounts/{id}", (s, o, t) =>
            s.V1.Accounts.GetAsync(read.ObjectId, null, o, t), ct);
        return lookup.Found is { } account
            ? new Read(ConnectedAccounts.Of(account), account.Metadata?.GetValueOrDefault("player_id"), null)
            : new Read(null, null, lookup.Unreadable);
    }

    private static async Task RecordAsync(TransactionContext context, ReadRequest read, Read outcome)
    {
        context.Cause = Cause.Recorded(read.ObjectId, read.EventId);
        if (outcome.Unreadable is { } problem)
        {
            // Reading it again gives the same answer: told once, and the request is done
            // (the next account.updated asks again; the payouts keep waiting meanwhile).
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "stripe_account_unreadable", read.ObjectId,
                $"account {read.ObjectId} could not be read from Stripe: {problem}", $"{read.ObjectId}:{read.EventId}");
        }
        else if (outcome is { Account: { } account, PlayerId: { } playerId })
        {
            await ApplyAsync(context, playerId, account);
        }
        await ReadRequestStore.Accounts.CompleteAsync(context, read);
    }

    private static async Task ApplyAsync(TransactionContext context, string playerId, RecipientView account)
    {
        if (await RecipientStore.FindAsync(context, playerId, forUpdate: true) is { } current
            && current.AccountId != account.AccountId && (current.CanReceive || !account.CanReceive))
            return;
        await RecipientStore.UpsertAsync(context, playerId, account);
        if (!account.CanReceive) return;
        var now = context.Clock.GetUtcNow();
        foreach (var payout in await PayoutStore.OfPlayerAsync(context, playerId, PayoutState.AwaitingAccount))
            await PayoutStore.SaveAsync(context, payout, payout with
            {
                State = PayoutState.Waiting, Reason = $"account {account.AccountId} can receive transfers",
                NextAttemptAt = now,
            });
    }
}
