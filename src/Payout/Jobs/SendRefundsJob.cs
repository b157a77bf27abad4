using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Domain;
using ContestPipeline.Payout.Extensions;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Payout.Jobs;

/// <summary>
/// Sends ordered refunds of entry fees to Stripe, each between two transactions: the claim
/// records it submitting (its idempotency key is the refund id), then Stripe is called, then
/// the result is recorded. A crash in between leaves it submitting, and it is sent again under
/// the same key once its lease runs out, so Stripe refunds once. The lease is renewed while
/// the round's calls run (<see cref="LeaseKeeper"/>), so another instance never sends a refund
/// that is mid-call.
/// </summary>
public sealed class SendRefundsJob(IStripeClient stripe, PayoutOptions options, CrashPoints crash, ILogger<SendRefundsJob> logger) : IJob
{
    public string Name => "send-refunds";
    public TimeSpan Interval => options.DispatchInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        // The emergency stop is read in the claim's own transaction: once a halt commits, nothing new is claimed.
        var claimed = await job.InTransactionAsync("claim refunds", async context =>
            await DispatchStore.HaltedAsync(context) ? [] : await RefundStore.ClaimDueAsync(context, options.Lease, options.BatchSize), ct);
        if (claimed.Count == 0) return false;
        await using var leases = LeaseKeeper.Start(job, claimed.Select(r => r.RefundId), options.Lease, RefundStore.RenewLeasesAsync, logger);
        foreach (var refund in claimed)
        {
            await SendAsync(job, refund, ct);
            leases.Done(refund.RefundId);
        }
        return true;
    }

    private async Task SendAsync(JobContext job, RefundRow refund, CancellationToken ct)
    {
        string? stripeRefundId;
        string note;
        try
        {
            var created = await stripe.CreateRefundAsync(new RefundCreate(refund.PaymentIntentId, refund.AmountMinor,
                new Dictionary<string, string> { ["refund_id"] = refund.RefundId, ["contest_id"] = refund.ContestId, ["player_id"] = refund.PlayerId }),
                refund.RefundId, ct);
            crash.Reach(CrashPoints.PayoutAfterStripeCall);
            stripeRefundId = created.Id;
            note = refund.Reason;
        }
        catch (StripeException e) when (e.IsUnreadableAnswer)
        {
            // Stripe answered 2xx: the refund was made, and only its id is unknown. Recording
            // it as made keeps the ledger true; an operator reads the id from Stripe.
            stripeRefundId = null;
            note = $"{refund.Reason} (Stripe made the refund; its answer could not be read at {e.Param}: {e.Message})";
        }
        catch (StripeException e) when (e.Code == StripeErrorCodes.ChargeAlreadyRefunded)
        {
            // Stripe has the charge fully refunded already: by this pipeline under a key it has
            // since forgotten, or from outside. Either way the money went back exactly once.
            stripeRefundId = null;
            note = $"{refund.Reason} (Stripe: {e.Message})";
        }
        catch (StripeException e)
        {
            await job.InTransactionAsync("record refund failure", context => RecordFailureAsync(context, refund, e), ct);
            return;
        }

        await job.InTransactionAsync("record refund", async context =>
        {
            if (!await RefundStore.MarkRefundedAsync(context, refund.RefundId, stripeRefundId)) return false;
            context.Publish(refund.Cause, Contracts.Topics.PayoutsStatus, refund.ContestId, EntryFeeRefunded.MessageIdFor(refund.RefundId),
                new EntryFeeRefunded(refund.RefundId, refund.ContestId, refund.PlayerId, refund.PaymentIntentId, refund.AmountMinor, refund.Currency,
                    stripeRefundId, note, context.Clock.GetUtcNow()));
            return true;
        }, ct);
    }

    private async Task<bool> RecordFailureAsync(HandlerContext context, RefundRow refund, StripeException e)
    {
        var now = context.Clock.GetUtcNow();
        var rounds = refund.Rounds + 1;
        var permanent = !e.IsRetryable || rounds >= options.RoundsMax;
        var next = now + Backoff.Exponential(rounds, checked((int)options.RetryDelayBase.TotalMilliseconds), checked((int)options.RetryDelayMax.TotalMilliseconds));
        if (!await RefundStore.RecordFailureAsync(context, refund.RefundId, permanent, rounds, e.Summary, next)) return false;
        if (!permanent)
        {
            logger.LogWarning("Refund {Refund} will be retried (round {Round}): {Error}", refund.RefundId, rounds, e.Summary);
            return true;
        }
        context.Publish(refund.Cause, Contracts.Topics.PayoutsStatus, refund.ContestId, RefundFailed.MessageIdFor(refund.RefundId),
            new RefundFailed(refund.RefundId, refund.ContestId, refund.PlayerId, refund.PaymentIntentId, refund.AmountMinor, refund.Currency, e.Summary, now));
        context.Cause = refund.Cause;
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "refund_failed", refund.RefundId,
            $"refund {refund.RefundId} of {refund.AmountMinor} {refund.Currency} on {refund.PaymentIntentId} failed: {e.Summary}", refund.RefundId);
        return true;
    }
}
