using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
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
    private sealed record Read(RecipientView? Account, string? PlayerId, string? Unreadable,
        (string State, string? Reason, IReadOnlyList<string> CurrentlyDue) Standing = default);

    private async Task<Read> ReadAsync(ReadRequest read, CancellationToken ct)
    {
        var lookup = await stripe.LookUpAsync("GET /v1/accounts/{id}", (s, o, t) =>
            s.V1.Accounts.GetAsync(read.ObjectId, null, o, t), ct);
        return lookup.Found is { } account
            ? new Read(ConnectedAccounts.Of(account), account.Metadata?.GetValueOrDefault("player_id"), null,
                ConnectedAccounts.StateOf(account))
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
            await TellAsync(context, read, playerId, account, outcome.Standing);
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

    /// <summary>
    /// An account that entered a state keeping its prizes from being paid is told once, as it enters it: to the
    /// winner (through the read model, with what they can do) and to the operators (an alert saying what they can).
    /// </summary>
    private static async Task TellAsync(TransactionContext context, ReadRequest read, string playerId,
        RecipientView account, (string State, string? Reason, IReadOnlyList<string> CurrentlyDue) standing)
    {
        if (!await RecipientStore.RecordStateAsync(context, playerId, account.AccountId, standing.State,
                standing.Reason)
            || !RecipientAccountStates.Blocking.Contains(standing.State))
            return;
        var (severity, action) = standing.State switch
        {
            RecipientAccountStates.Rejected => (AlertSeverities.Critical,
                "it will never receive: contact the player about another account, or reject their prizes " +
                "(cpctl payouts reject)"),
            RecipientAccountStates.NeedsInformation => (AlertSeverities.Warning,
                "the player was asked to complete it; their prizes go once Stripe has it"),
            _ => (AlertSeverities.Info, "nothing to do; their prizes go once Stripe's review ends"),
        };
        var due = standing.CurrentlyDue.Count == 0 ? "" : $"; due: {string.Join(", ", standing.CurrentlyDue)}";
        context.RaiseAlert(PayoutWorker.Name, severity, "recipient_account_" + standing.State, playerId,
            $"player {playerId}'s account {account.AccountId} is {standing.State.Replace('_', ' ')}" +
            $"{(standing.Reason is null ? "" : $" ({standing.Reason})")}{due}: {action}", read.EventId);
        context.Publish(Cause.Recorded(read.ObjectId, read.EventId), Topics.PayoutsStatus, playerId,
            RecipientAccountChanged.MessageIdFor(playerId, standing.State, read.EventId),
            new RecipientAccountChanged(playerId, account.AccountId, standing.State, standing.Reason,
                standing.CurrentlyDue, context.Clock.GetUtcNow()));
    }
}
