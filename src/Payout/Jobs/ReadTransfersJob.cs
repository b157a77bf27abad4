using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Domain;
using ContestPipeline.Payout.Extensions;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.Jobs;

/// <summary>
/// Reads the transfers that transfer.* events asked about, as Stripe has them now, outside any
/// consume transaction, and records what it finds: a prize transfer not yet recorded is
/// recorded paid (when its amount, currency and destination, the winner's account, match the
/// payout), and money that came back since the last read (amount_reversed, or the whole
/// amount for a legacy transfer.failed) is published and fails the payout for an operator.
/// Whichever order the events and the transfer job's own answer come in, the read of the
/// transfer decides, so a reversal that arrives before the transfer was recorded is not lost.
/// Reads are claimed for a lease, so a second Payout process does not make the same request;
/// one not completed (Stripe unavailable, the process killed) is read again when it lapses.
/// </summary>
public sealed class ReadTransfersJob(IStripeClient stripe, PayoutOptions options) : IJob
{
    public string Name => "read-transfers";
    public TimeSpan Interval => options.DispatchInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        var due = await job.InTransactionAsync("find transfers to read", c => PayoutStore.ClaimTransferReadsAsync(c, options.BatchSize, options.Lease), ct);
        foreach (var read in due)
        {
            StripeTransfer? transfer = null;
            string? unreadable = null;
            try
            {
                transfer = await stripe.GetTransferAsync(read.TransferId, ct);
            }
            catch (StripeException e) when (e.Code == StripeErrorCodes.ResourceMissing)
            {
                transfer = null;
            }
            catch (StripeException e) when (e.IsRetryable)
            {
                throw new TransientDependencyException("Stripe", e);
            }
            catch (StripeException e) when (e.IsUnreadableAnswer)
            {
                unreadable = e.Message;
            }
            await job.InTransactionAsync("apply transfer", async context =>
            {
                context.Cause = Cause.Recorded(read.TransferId, read.EventId);
                var outcome = unreadable is not null ? Unreadable(context, read, unreadable)
                    : transfer is null ? NotFound(context, read)
                    : await ApplyAsync(context, transfer, read.LegacyFailed);
                await PayoutStore.AddEventOutcomeAsync(context, read.EventId, outcome);
                await PayoutStore.CompleteTransferReadAsync(context, read);
                return true;
            }, ct);
        }
        return due.Count >= options.BatchSize;
    }

    private static async Task<string> ApplyAsync(HandlerContext context, StripeTransfer transfer, bool legacyFailed)
    {
        if (!transfer.Metadata.TryGetValue("payout_id", out var payoutId)) return "read: not a prize transfer";
        var payout = await PayoutStore.FindAsync(context, payoutId, forUpdate: false);
        if (payout is null)
        {
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Warning, "transfer_for_unknown_payout", transfer.Id,
                $"transfer {transfer.Id} names payout {payoutId}, which Payout never ordered", transfer.Id);
            return "read: unknown payout " + payoutId;
        }
        var recorded = payout.TransferId == transfer.Id
            || await PayoutStore.MarkPaidAsync(context, payoutId, transfer, "transfer read on Stripe");
        if (!recorded) return "read: not recorded as its payment";
        var back = legacyFailed ? transfer.Amount : transfer.AmountReversed;
        return await ReversedAsync(context, payoutId, transfer, back, legacyFailed ? "transfer failed (legacy event)" : "transfer reversed")
            ?? (payout.TransferId == transfer.Id ? "read: already recorded" : "read: recorded paid");
    }

    /// <summary>
    /// Money came back from a prize transfer. The payout fails for an operator: re-sending under
    /// its key would only replay the reversed transfer. Totals are compared, so a read that
    /// finds nothing new adds nothing. Null when nothing new came back.
    /// </summary>
    private static async Task<string?> ReversedAsync(HandlerContext context, string payoutId, StripeTransfer transfer, long total, string what)
    {
        var payout = (await PayoutStore.FindAsync(context, payoutId))!;
        var delta = total - payout.ReversedMinor;
        if (delta <= 0) return null;
        var now = context.Clock.GetUtcNow();
        // A rejected payout stays rejected (the operator withheld it); the money that came back is booked all the same.
        await PayoutStore.SaveAsync(context, payout, payout with
        {
            State = payout.State == PayoutStates.Rejected ? PayoutStates.Rejected : PayoutStates.Failed,
            ReversedMinor = total, Reason = $"{what}: {total} of {transfer.Amount} came back",
        });
        PayoutStore.PublishFact(context, payout, PrizeTransferReversed.MessageIdFor(payout.PayoutId, total),
            new PrizeTransferReversed(payout.PayoutId, payout.ContestId, payout.PlayerId, transfer.Id, delta, total, payout.Currency, what, now));
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "transfer_reversed", payout.PayoutId,
            $"{what}: {transfer.Id} for payout {payout.PayoutId} ({total} of {transfer.Amount} {payout.Currency} back); the prize is owed again: " +
            $"reject it to withhold it (cpctl payouts reject {payout.PayoutId})", $"{transfer.Id}:{total}");
        return $"read: reversed {delta}";
    }

    private static string NotFound(HandlerContext context, TransferRead read)
    {
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Warning, "transfer_not_on_stripe", read.TransferId,
            $"event {read.EventId} named transfer {read.TransferId}, which Stripe does not know; nothing recorded", read.EventId);
        return "read: no such transfer on Stripe";
    }

    private static string Unreadable(HandlerContext context, TransferRead read, string problem)
    {
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "stripe_transfer_unreadable", read.TransferId,
            $"transfer {read.TransferId} (event {read.EventId}) could not be read from Stripe: {problem}; nothing recorded", read.EventId);
        return "read: unreadable";
    }
}
