using RefundCreateOptions = Stripe.RefundCreateOptions;
using RefundListOptions = Stripe.RefundListOptions;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Controls;
using ContestPipeline.Payout.Restores;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Payout.Refunds;

/// <summary>
/// Sends ordered refunds of entry fees to Stripe by the core's claim → lease → call → record
/// (<see cref="ClaimedCalls"/>): the claim records each refund submitting (its idempotency key is
/// the refund id), then Stripe is called, then the result is recorded. A crash in between leaves
/// it submitting, and it is sent again under the same key once its lease runs out, so Stripe
/// refunds once. The emergency stop is read in the claim's own transaction, and again just before
/// each call: once a halt commits, nothing new is claimed, and a refund claimed and not yet sent
/// waits for the resume with its key. After a restore of the schema nothing is claimed until the restore is
/// reconciled with Stripe (<see cref="ReconcileRestoresJob"/>); a refund Stripe is then known to hold is adopted
/// (recorded refunded with Stripe's refund) instead of being sent, and one ordered before the latest restore's copy is
/// looked up on Stripe (the payment's refunds, by its metadata) before it is sent.
/// </summary>
public sealed class SendRefundsJob(StripeApi stripe, PayoutOptions options, CrashPoints crash,
    ILogger<SendRefundsJob> logger)
    : IJob
{
    public string Name => "send-refunds";
    public TimeSpan Interval => options.DispatchInterval;

    // The latest restore's copy time as the last claim read it: refunds ordered before it are looked up first.
    private RestoreState _restores = RestoreState.None;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct) =>
        await ClaimedCalls.RunAsync(job, new ClaimedCall<RefundRow, Refunded>
        {
            What = "refund",
            ClaimAsync = async context => await DispatchStore.HaltedAsync(context) || await PausedAsync(context)
                ? [] : await RefundStore.ClaimDueAsync(context, options.Lease, options.BatchSize),
            StillDueAsync = StillDueAsync,
            IdOf = r => r.RefundId,
            CallAsync = RefundAsync,
            RecordAsync = RecordAsync,
            Lease = options.Lease,
            InFlight = options.CallsInFlight,
            RenewAsync = RefundStore.RenewLeasesAsync,
            CrashAfterClaim = CrashPoints.PayoutAfterSubmitting,
            CrashAfterCall = CrashPoints.PayoutAfterStripeCall,
        }, crash, logger, ct) > 0;

    private async Task<bool> PausedAsync(TransactionContext context)
    {
        var before = _restores;
        _restores = await RestoreStore.StateAsync(context);
        if (_restores.Unreconciled && !before.Unreconciled)
            logger.LogWarning("No refund is sent: a restore of Payout's schema is not reconciled with Stripe yet " +
                "(copy of {CopyTakenAt:O}); reconcile-restores does it", _restores.LatestCopyTakenAt);
        return _restores.Unreconciled;
    }

    /// <summary>
    /// Just before a refund's call: not while halted; and a refund a restore's reconciliation found on Stripe is
    /// adopted (recorded refunded with Stripe's refund, as if the call had been answered with it), never sent again.
    /// </summary>
    private async Task<bool> StillDueAsync(TransactionContext context, RefundRow refund)
    {
        if (await DispatchStore.HaltedNowAsync(context)) return false;
        if (await SeenOnStripeStore.RefundOfAsync(context, refund.RefundId) is not { } seen) return true;
        logger.LogWarning("Refund {Refund} adopts refund {StripeRefund} found on Stripe after a restore; " +
            "nothing is sent",
            refund.RefundId, seen.StripeRefundId);
        await RecordAsync(context, refund, new Refunded(seen.StripeRefundId,
            $"{refund.Reason} (found on Stripe after a restore: adopted, not sent again)", null));
        return false;
    }

    /// <summary>
    /// The refund this pipeline made for <paramref name="refund"/> on Stripe, if any: the payment's refunds read for
    /// one whose metadata names it.
    /// </summary>
    private async Task<string?> FindRefundAsync(RefundRow refund, CancellationToken ct)
    {
        var list = await stripe.ReadAsync("GET /v1/refunds", (s, o, t) => s.V1.Refunds.ListAsync(
            new RefundListOptions { PaymentIntent = refund.PaymentIntentId, Limit = StripeApi.ListLimitMax }, o, t),
            ct);
        return list.Data.FirstOrDefault(r => r.Metadata?.GetValueOrDefault("refund_id") == refund.RefundId)?.Id;
    }

    /// <summary>What became of a refund's call: made (with Stripe's id when known, and a note), or refused.</summary>
    private sealed record Refunded(string? StripeRefundId, string Note, StripeFailure? Failure);

    private async Task<Refunded> RefundAsync(RefundRow refund, CancellationToken ct)
    {
        try
        {
            if (_restores.LatestCopyTakenAt is { } copy && refund.OrderedAt < copy
                && await FindRefundAsync(refund, ct) is { } existing)
                return new Refunded(existing, $"{refund.Reason} (found on Stripe after a restore: adopted)", null);
            var created = await stripe.WriteAsync("POST /v1/refunds", refund.RefundId, (s, o, t) =>
                s.V1.Refunds.CreateAsync(
                new RefundCreateOptions
                {
                    PaymentIntent = refund.PaymentIntentId, Amount = refund.AmountMinor,
                    Metadata = new Dictionary<string, string>
                    {
                        ["refund_id"] = refund.RefundId, ["contest_id"] = refund.ContestId,
                        ["player_id"] = refund.PlayerId,
                    },
                }, o, t), ct);
            return new Refunded(created.Id, refund.Reason, null);
        }
        catch (StripeFailure e) when (e.IsUnreadableAnswer)
        {
            // Stripe answered 2xx: the refund was made, and only its id is unknown. Recording
            // it as made keeps the ledger true; an operator reads the id from Stripe.
            return new Refunded(null,
                $"{refund.Reason} (Stripe made the refund; its answer could not be read at {e.Param}: {e.Message})",
                null);
        }
        catch (StripeFailure e) when (e.Code == StripeErrorCodes.ChargeAlreadyRefunded)
        {
            // Stripe has the charge fully refunded already: by this pipeline under a key it has
            // since forgotten, or from outside. Either way the money went back exactly once.
            return new Refunded(null, $"{refund.Reason} (Stripe: {e.Message})", null);
        }
        catch (StripeFailure e)
        {
            return new Refunded(null, "", e);
        }
    }

    private async Task RecordAsync(TransactionContext context, RefundRow refund, Refunded outcome)
    {
        if (outcome.Failure is { } failure)
        {
            await RecordFailureAsync(context, refund, failure);
            return;
        }
        if (!await RefundStore.MarkRefundedAsync(context, refund.RefundId, outcome.StripeRefundId)) return;
        context.Publish(refund.Cause, Topics.PayoutsStatus, refund.ContestId,
            EntryFeeRefunded.MessageIdFor(refund.RefundId),
            new EntryFeeRefunded(refund.RefundId, refund.ContestId, refund.PlayerId,
                refund.PaymentIntentId, refund.AmountMinor,
                refund.Currency, outcome.StripeRefundId, outcome.Note, context.Clock.GetUtcNow()));
    }

    private async Task RecordFailureAsync(TransactionContext context, RefundRow refund, StripeFailure e)
    {
        var now = context.Clock.GetUtcNow();
        var rounds = refund.Rounds + 1;
        var permanent = !e.IsRetryable || rounds >= options.RoundsMax;
        var next = now + Backoff.Exponential(rounds, checked((int)options.RetryDelayBase.TotalMilliseconds),
            checked((int)options.RetryDelayMax.TotalMilliseconds));
        if (!await RefundStore.RecordFailureAsync(context, refund.RefundId, permanent, rounds, e.Summary, next)) return;
        if (!permanent)
        {
            logger.LogWarning("Refund {Refund} will be retried (round {Round}): {Error}",
                refund.RefundId, rounds, e.Summary);
            return;
        }
        context.Publish(refund.Cause, Topics.PayoutsStatus, refund.ContestId,
            RefundFailed.MessageIdFor(refund.RefundId),
            new RefundFailed(refund.RefundId, refund.ContestId, refund.PlayerId,
                refund.PaymentIntentId, refund.AmountMinor, refund.Currency, e.Summary, now));
        context.Cause = refund.Cause;
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "refund_failed", refund.RefundId,
            $"refund {refund.RefundId} of {refund.AmountMinor} {refund.Currency} on " +
            $"{refund.PaymentIntentId} failed: {e.Summary}", refund.RefundId);
    }
}
