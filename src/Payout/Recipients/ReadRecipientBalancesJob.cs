using System.Globalization;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;
using StripeBalance = Stripe.Balance;
using StripePayout = Stripe.Payout;
using PayoutListOptions = Stripe.PayoutListOptions;

namespace ContestPipeline.Payout.Recipients;

/// <summary>
/// Reads a winner's connected account as the winner sees it, for their statement: its balance
/// (<c>GET /v1/balance</c>) and its latest bank payouts (<c>GET /v1/payouts</c>), both with the account's
/// Stripe-Account header, by the core's claim → lease → call → record (<see cref="ClaimedCalls"/>), and publishes what
/// it found (<see cref="RecipientBalanceRead"/>). An account is read when a prize transfer to it is recorded and when
/// Stripe tells of one of its bank payouts (<see cref="BalanceReadStore"/>), not on a timer: the winner's own money
/// moves only then, as far as the pipeline can know, and the statement says when it was read. Reads wait while any
/// prize transfer is due or being sent, so a payout rush spends its Stripe budget on prizes.
/// </summary>
public sealed class ReadRecipientBalancesJob(StripeApi stripe, PayoutOptions options, CrashPoints crash,
    ILogger<ReadRecipientBalancesJob> logger) : IJob
{
    public string Name => "read-recipient-balances";
    public TimeSpan Interval => options.DispatchInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        // Prizes first: two reads per winner would take a large share of the Stripe budget in a payout rush, so none
        // is made while a prize transfer waits to be sent or is being sent (claimed by an instance: between two
        // claims nothing is due, and reads made then took 1 % of the rush's budget); the statement says how old its
        // read is meanwhile.
        if (await job.InTransactionAsync("find transfers underway", PayoutClaimStore.TransfersUnderwayAsync, ct))
            return false;
        return await ClaimedCalls.RunAsync(job, new ClaimedCall<BalanceReadStore.Wanted, Found>
        {
            What = "recipient balance read",
            ClaimAsync = context => BalanceReadStore.ClaimAsync(context, options.BatchSize, options.Lease),
            IdOf = r => r.AccountId,
            CallAsync = (read, t) => ReadAsync(read, job.Clock, t),
            RecordAsync = RecordAsync,
            Lease = options.Lease,
            RenewAsync = BalanceReadStore.RenewAsync,
        }, crash, logger, ct) >= options.BatchSize;
    }

    /// <summary>What Stripe said of the account, or null when it does not know the account (any more).</summary>
    private sealed record Found(RecipientBalanceRead? Read);

    private async Task<Found> ReadAsync(BalanceReadStore.Wanted read, TimeProvider clock, CancellationToken ct)
    {
        try
        {
            var balance = await stripe.ReadAsync("GET /v1/balance", (s, o, t) =>
            {
                o.StripeAccount = read.AccountId;
                return s.V1.Balance.GetAsync(o, t);
            }, ct);
            var payouts = await stripe.ReadAsync("GET /v1/payouts", (s, o, t) =>
            {
                o.StripeAccount = read.AccountId;
                return s.V1.Payouts.ListAsync(new PayoutListOptions { Limit = RecipientBalanceRead.BankPayoutsMax },
                    o, t);
            }, ct);
            return new Found(new RecipientBalanceRead(read.PlayerId, read.AccountId, Balances(balance),
                [.. payouts.Data.Select(BankPayout)], clock.GetUtcNow()));
        }
        catch (StripeFailure e) when (e.IsRetryable)
        {
            throw new TransientDependencyException("Stripe", e);
        }
        catch (StripeFailure e) when (e.HttpStatus is 403 or 404)
        {
            // Stripe no longer lets the platform act for the account (it was rejected or disconnected): nothing to
            // show the winner beyond what was read before.
            logger.LogWarning("Stripe would not read account {Account} of player {Player}: {Error}", read.AccountId,
                read.PlayerId, e.Summary);
            return new Found(null);
        }
    }

    /// <summary>
    /// Available and pending per currency, currencies in order, upper case as the pipeline writes them.
    /// </summary>
    private static List<AccountBalance> Balances(StripeBalance balance)
    {
        var amounts = new SortedDictionary<string, AccountBalance>(StringComparer.Ordinal);
        AccountBalance In(string? currency) =>
            amounts.GetValueOrDefault(Upper(currency)) ?? new AccountBalance(Upper(currency), 0, 0);
        foreach (var a in balance.Available ?? [])
        {
            var b = In(a.Currency);
            amounts[b.Currency] = b with { AvailableMinor = checked(b.AvailableMinor + a.Amount) };
        }
        foreach (var p in balance.Pending ?? [])
        {
            var b = In(p.Currency);
            amounts[b.Currency] = b with { PendingMinor = checked(b.PendingMinor + p.Amount) };
        }
        return [.. amounts.Values];
    }

    private static AccountBankPayout BankPayout(StripePayout p) =>
        new(p.Id, p.Amount, Upper(p.Currency), p.Status ?? "unknown", Utc(p.ArrivalDate), p.FailureCode,
            Utc(p.Created));

    private static string Upper(string? currency) => (currency ?? "").ToUpperInvariant();

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));

    private static async Task RecordAsync(TransactionContext context, BalanceReadStore.Wanted read, Found found)
    {
        context.Cause = Cause.Recorded(read.PlayerId, string.Create(CultureInfo.InvariantCulture,
            $"balance-read:{read.AccountId}:{read.RequestedAt.ToUnixTimeMilliseconds()}"));
        if (found.Read is { } balance) await BalanceReadStore.RecordAsync(context, read, balance);
        else await BalanceReadStore.DropAsync(context, read);
    }
}
