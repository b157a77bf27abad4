using System.Globalization;
using TransferReversalCreateOptions = Stripe.TransferReversalCreateOptions;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Controls;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Payout.Clawbacks;

/// <summary>
/// Takes back prizes whose entry fee was lost (<see cref="LostEntryFees"/>), by the core's claim → lease → call →
/// record (<see cref="ClaimedCalls"/>). Each call reads the transfer first and reverses only what is left of it, under
/// a key derived from what was reversed before and the amount asked, so a call repeated after a crash, or after a
/// restore when Stripe has forgotten the key, takes nothing twice: the transfer itself says what is left. When the
/// winner's connected account cannot cover it (balance_insufficient), what the account holds is taken, and the rest is
/// recorded owed by the winner (<see cref="PrizeClawbackShort"/>: a receivable in the ledger, alerted critically) for
/// an operator to recover. What came back is booked from the transfer as read after the reversal, through the same
/// booking a transfer.reversed event's read makes (<see cref="TransferBookings.ReversedAsync"/>), whichever of the two
/// comes first.
/// </summary>
public sealed class ReverseTransfersJob(StripeApi stripe, PayoutOptions options, CrashPoints crash,
    ILogger<ReverseTransfersJob> logger) : IJob
{
    public string Name => "reverse-transfers";
    public TimeSpan Interval => options.DispatchInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct) =>
        await ClaimedCalls.RunAsync(job, new ClaimedCall<ClawbackRow, Reversed>
        {
            What = "clawback",
            // Money comes back by it, but a halt stops it too: a stop is a stop, whichever way the money would go.
            ClaimAsync = async context => await DispatchStore.HaltedAsync(context)
                ? [] : await ClawbackStore.ClaimDueAsync(context, options.Lease, options.BatchSize),
            IdOf = r => r.PayoutId,
            CallAsync = ReverseAsync,
            RecordAsync = RecordAsync,
            Lease = options.Lease,
            RenewAsync = ClawbackStore.RenewAsync,
        }, crash, logger, ct) >= options.BatchSize;

    /// <summary>
    /// The transfer as read after the call (null when a call failed), what the call did, and the failure.
    /// </summary>
    private sealed record Reversed(TransferSeen? Transfer, string Note, StripeFailure? Failure);

    /// <summary>
    /// The idempotency key of a reversal of <paramref name="amount"/> after <paramref name="before"/> came back.
    /// </summary>
    public static string KeyFor(string payoutId, long before, long amount) => string.Create(
        CultureInfo.InvariantCulture, $"clawback:{payoutId}:{before}:{amount}");

    private async Task<Reversed> ReverseAsync(ClawbackRow row, CancellationToken ct)
    {
        try
        {
            var transfer = await ReadTransferAsync(row.TransferId, ct);
            var left = transfer.AmountMinor - transfer.ReversedMinor;
            if (left <= 0) return new Reversed(transfer, "nothing was left on the transfer", null);
            try
            {
                await CreateReversalAsync(row, transfer, left, ct);
                return new Reversed(await ReadTransferAsync(row.TransferId, ct), $"reversed {left}", null);
            }
            catch (StripeFailure e) when (e.Code == StripeErrorCodes.BalanceInsufficient)
            {
                var held = await AvailableAsync(transfer, ct);
                var part = Math.Min(held, left);
                if (part > 0) await CreateReversalAsync(row, transfer, part, ct);
                return new Reversed(await ReadTransferAsync(row.TransferId, ct),
                    $"the winner's account {transfer.Destination} held {held} of the {left} left: reversed {part}",
                    null);
            }
        }
        catch (StripeFailure e) when (!e.IsUnreadableAnswer)
        {
            return new Reversed(null, "", e);
        }
    }

    private async Task<TransferSeen> ReadTransferAsync(string transferId, CancellationToken ct) =>
        SendTransfersJob.Seen(await stripe.ReadAsync("GET /v1/transfers/{id}", (s, o, t) =>
            s.V1.Transfers.GetAsync(transferId, null, o, t), ct));

    private Task CreateReversalAsync(ClawbackRow row, TransferSeen transfer, long amount, CancellationToken ct) =>
        stripe.WriteAsync("POST /v1/transfers/{id}/reversals", KeyFor(row.PayoutId, transfer.ReversedMinor, amount),
            (s, o, t) => s.V1.Transfers.Reversals.CreateAsync(transfer.Id, new TransferReversalCreateOptions
            {
                Amount = amount,
                Metadata = new Dictionary<string, string>
                {
                    ["payout_id"] = row.PayoutId, ["contest_id"] = row.ContestId, ["player_id"] = row.PlayerId,
                    ["clawback"] = row.Cause,
                },
            }, o, t), ct);

    /// <summary>What the winner's connected account has available in the transfer's currency.</summary>
    private async Task<long> AvailableAsync(TransferSeen transfer, CancellationToken ct)
    {
        var balance = await stripe.ReadAsync("GET /v1/balance (connected account)", (s, o, t) =>
        {
            o.StripeAccount = transfer.Destination;
            return s.V1.Balance.GetAsync(o, t);
        }, ct);
        return balance.Available?.Where(a => string.Equals(a.Currency, transfer.Currency,
            StringComparison.OrdinalIgnoreCase)).Sum(a => a.Amount) ?? 0;
    }

    private async Task RecordAsync(TransactionContext context, ClawbackRow row, Reversed outcome)
    {
        context.Cause = Cause.Recorded(row.ContestId, "clawback:" + row.PayoutId);
        if (outcome.Failure is { } failure)
        {
            await RecordFailureAsync(context, row, failure);
            return;
        }
        var transfer = outcome.Transfer!;
        await TransferBookings.ReversedAsync(context, row.PayoutId, transfer,
            PrizeTransferReversed.ClawbackReasonPrefix + row.Cause);
        // Whatever came back first (an event's read, or nothing at all: a transfer reversed before), the prize is
        // withheld.
        var payout = (await PayoutStore.FindAsync(context, row.PayoutId))!;
        if (payout.State != PayoutState.Rejected) await LostEntryFees.WithholdAsync(context, payout, row.Cause);
        var owed = transfer.AmountMinor - transfer.ReversedMinor;
        var state = owed == 0 ? ClawbackState.Recovered : ClawbackState.Short;
        if (!await ClawbackStore.CompleteAsync(context, row.PayoutId, state, transfer.ReversedMinor, owed,
                outcome.Note)) return;
        if (state == ClawbackState.Short)
            PublishShort(context, payout, transfer.ReversedMinor, owed, $"{row.Cause}: {outcome.Note}");
        if (state == ClawbackState.Recovered)
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Warning, "prize_clawed_back", row.PayoutId,
                $"prize {row.PayoutId} of player {row.PlayerId} taken back ({row.Cause}): transfer {transfer.Id} " +
                $"reversed, {transfer.ReversedMinor} {transfer.Currency} back ({outcome.Note})", row.PayoutId);
        else
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "clawback_short", row.PayoutId,
                $"prize {row.PayoutId} of player {row.PlayerId} ({row.Cause}): {transfer.ReversedMinor} of " +
                $"{transfer.AmountMinor} {transfer.Currency} came back from transfer {transfer.Id} ({outcome.Note}); " +
                $"{owed} is owed by the winner, a receivable to recover by hand (docs/operations.md, clawbacks)",
                row.PayoutId);
    }

    /// <summary>
    /// What the winner still owes, published for the ledger (a receivable), after what came back of the transfer.
    /// </summary>
    private static void PublishShort(TransactionContext context, PayoutRow payout, long recoveredMinor,
        long owedMinor, string why) =>
        PayoutStore.PublishFact(context, payout, PrizeClawbackShort.MessageIdFor(payout.PayoutId),
            new PrizeClawbackShort(payout.PayoutId, payout.ContestId, payout.PlayerId, payout.TransferId!,
                recoveredMinor, owedMinor, payout.Currency, why, context.Clock.GetUtcNow()));

    private async Task RecordFailureAsync(TransactionContext context, ClawbackRow row, StripeFailure e)
    {
        var rounds = row.Rounds + 1;
        if (e.IsRetryable && rounds < options.RoundsMax)
        {
            var next = context.Clock.GetUtcNow() + Backoff.Exponential(rounds,
                checked((int)options.RetryDelayBase.TotalMilliseconds),
                checked((int)options.RetryDelayMax.TotalMilliseconds));
            await ClawbackStore.RetryAsync(context, row.PayoutId, rounds, next, e.Summary);
            logger.LogWarning("Clawback of prize {Payout} will be tried again (round {Round}): {Error}",
                row.PayoutId, rounds, e.Summary);
            return;
        }
        var payout = (await PayoutStore.FindAsync(context, row.PayoutId))!;
        var owed = payout.AmountMinor - payout.ReversedMinor;
        if (!await ClawbackStore.CompleteAsync(context, row.PayoutId, ClawbackState.Short, payout.ReversedMinor, owed,
                "Stripe refused: " + e.Summary)) return;
        PublishShort(context, payout, payout.ReversedMinor, owed, $"{row.Cause}: Stripe refused: {e.Summary}");
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "clawback_short", row.PayoutId,
            $"prize {row.PayoutId} of player {row.PlayerId} ({row.Cause}) could not be taken back: {e.Summary}; " +
            $"{owed} {payout.Currency} is owed by the winner, a receivable to recover by hand (docs/operations.md, " +
            "clawbacks)", row.PayoutId);
    }
}
