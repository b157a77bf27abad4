using PaymentIntent = Stripe.PaymentIntent;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Restores;
using ContestPipeline.Payout.Clawbacks;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

using ContestPipeline.Payout.Refunds;

namespace ContestPipeline.Payout.Funds;

/// <summary>
/// Payout's own verification of entry fees: reads the PaymentIntents events and refund orders asked about (<see
/// cref="FundsStore.RequestAsync"/>) from Stripe, claimed in one transaction, read outside any (listed by creation
/// time, 100 an answer, as Ingestion reads them: <see cref="PaymentReader"/>; what the list did not show is read with a
/// GET, a batch a round), recorded in another. A payment read again (its refund's event) is listed by the creation time
/// its first read recorded. Then, each round: prizes held because their contest's verified funds did not cover them
/// are released oldest first as far as the funds now do (<see cref="ContestFunds"/>), and refund orders whose payment
/// has been read are proven (sendable) or refused with a critical alert.
/// </summary>
public sealed class VerifyFundsJob(PaymentReader reader, PayoutOptions options) : IJob
{
    /// <summary>Reads claimed per round.</summary>
    public const int ClaimSize = 1_000;

    private const string JobName = "verify-funds";

    public string Name => JobName;
    public TimeSpan Interval => options.DispatchInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        var claimed = await job.InTransactionAsync(Name + " claim",
            c => FundsStore.ClaimAsync(c, ClaimSize, options.Lease), ct);
        var more = claimed.Count > 0 && await ReadAsync(job, claimed, ct);
        var released = await job.InTransactionAsync(Name + " release", ReleaseAsync, ct);
        var refunds = await job.InTransactionAsync(Name + " refunds", CheckRefundsAsync, ct);
        return claimed.Count >= ClaimSize || more || released || refunds;
    }

    /// <summary>
    /// Reads the claimed payments: a list, then a GET for at most <see cref="PayoutOptions.BatchSize"/> of those it
    /// did not show (the rest are let go for the next round, not held for a lease); whether any was let go.
    /// </summary>
    private async Task<bool> ReadAsync(JobContext job, IReadOnlyList<PaymentRead> claimed, CancellationToken ct)
    {
        var (listed, unlisted) = await reader.ListWantedAsync(
            [.. claimed.Select(c => (c.PaymentIntentId, c.Created))], TimeSpan.Zero, ct);
        var toGet = unlisted.Take(options.BatchSize).ToHashSet(StringComparer.Ordinal);
        var answers = await reader.GetAllAsync(toGet, options.CallsInFlight, ct);
        var answered = answers.Where(a => a.Error is null).ToList();
        await job.InTransactionAsync(Name + " record", async c =>
        {
            // Every intent the list showed is recorded, asked about or not: a fee whose event is late is known too.
            IReadOnlyList<PaymentIntent> intents =
                [.. listed.Values, .. answered.Where(a => !a.NotFound).Select(a => a.Intent!)];
            await FundsStore.RecordAsync(c, intents);
            PublishFees(c, await FundsStore.RecordFeesAsync(c, intents));
            await FundsStore.RecordNotFoundAsync(c,
                [.. answered.Where(a => a.NotFound).Select(a => a.PaymentIntentId)]);
            var done = new HashSet<string>(listed.Keys.Concat(answered.Select(a => a.PaymentIntentId)),
                StringComparer.Ordinal);
            await FundsStore.CompleteAsync(c, [.. claimed.Where(r => done.Contains(r.PaymentIntentId))]);
            await FundsStore.ReleaseAsync(c, [.. unlisted.Skip(toGet.Count)]);
            // An entry fee Stripe shows refunded in full, by no refund of this pipeline's: what was paid with it is
            // taken back.
            foreach (var paymentIntent in await FundsStore.RefundedOutsideWithPrizesPaidAsync(c, [.. done]))
                await LostEntryFees.EntryFeeLostAsync(c, paymentIntent,
                    $"the entry fee {paymentIntent} was refunded in full outside the pipeline", withholdUnpaid: false);
            return true;
        }, ct);
        return unlisted.Count > toGet.Count;
    }

    /// <summary>
    /// Stripe's fees on the payments this round recorded for the first time, for the ledger: one message per
    /// <see cref="PaymentFeesCharged.FeesMax"/> of them.
    /// </summary>
    private static void PublishFees(TransactionContext context, IReadOnlyList<PaymentFee> fees)
    {
        foreach (var chunk in fees.Chunk(PaymentFeesCharged.FeesMax))
            context.Publish(Cause.Clock(JobName, PaymentFeesCharged.Key), Topics.PayoutsStatus, PaymentFeesCharged.Key,
                PaymentFeesCharged.MessageIdFor(chunk), new PaymentFeesCharged(chunk, context.Clock.GetUtcNow()));
    }

    /// <summary>Releases the held prizes that now fit their contest's verified funds; whether any was.</summary>
    private static async Task<bool> ReleaseAsync(TransactionContext context)
    {
        var any = false;
        foreach (var contest in await FundsStore.LockContestsHeldAsync(context, 100))
        {
            var held = await FundsStore.HeldAsync(context, contest);
            foreach (var currency in held.Select(p => p.Currency).Distinct(StringComparer.Ordinal))
            {
                var funds = await ContestFunds.OfAsync(context, contest, currency);
                var left = funds.Left;
                foreach (var payout in held.Where(p => p.Currency == currency))
                {
                    if (payout.AmountMinor > left) continue;
                    left -= payout.AmountMinor;
                    any = true;
                    await PayoutStore.SaveAsync(context, payout, payout with
                    {
                        State = PayoutState.Waiting, Hold = null, NextAttemptAt = context.Clock.GetUtcNow(),
                        Reason = $"contest {contest}'s verified entry fees now cover it ({funds.Proven} {currency} " +
                            $"paid in, {funds.Ordered} ordered before it)",
                    });
                }
            }
        }
        return any;
    }

    /// <summary>
    /// Proves or refuses the refund orders whose payment Stripe has answered about; whether any was decided.
    /// </summary>
    private static async Task<bool> CheckRefundsAsync(TransactionContext context)
    {
        // After a restore, not until it is reconciled with Stripe: a refund made after the copy shows on its payment
        // as refunded, and is this pipeline's own, to be adopted (found in stripe_refunds_seen), never refused.
        if ((await RestoreStore.StateAsync(context)).Unreconciled) return false;
        var checks = await FundsStore.RefundsToProveAsync(context, 100);
        foreach (var check in checks)
        {
            if (check.Refusal() is not { } why)
            {
                await FundsStore.ProveRefundAsync(context, check.RefundId);
                continue;
            }
            if (!await RefundStore.RefuseWaitingAsync(context, check.RefundId, why)) continue;
            var now = context.Clock.GetUtcNow();
            var cause = Cause.Recorded(check.ContestId, check.OrderedBy ?? check.RefundId);
            context.Publish(cause, Topics.PayoutsStatus, check.ContestId, RefundFailed.MessageIdFor(check.RefundId),
                new RefundFailed(check.RefundId, check.ContestId, check.PlayerId, check.PaymentIntentId,
                    check.AmountMinor, check.Currency, "refused: " + why, now));
            context.Cause = cause;
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "refund_not_proven", check.RefundId,
                $"refund {check.RefundId} of {check.AmountMinor} {check.Currency} for contest {check.ContestId} " +
                $"refused, nothing sent: {why}", check.RefundId);
        }
        return checks.Count > 0;
    }
}
