using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Extensions;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Plumbing.Stripe;

namespace ContestPipeline.Payout.Store;

/// <summary>Changes to a payout made from more than one place (the dispatcher, Stripe events).</summary>
public static class PayoutActions
{
    /// <summary>
    /// A transfer for the payout exists on Stripe, so the prize is paid: recorded once,
    /// whichever of the dispatcher, a lookup or a transfer.created event sees it first.
    /// A transfer that does not match the order is never recorded as its payment.
    /// </summary>
    public static async Task<int> MarkPaidAsync(HandlerContext context, string payoutId, StripeTransfer transfer, string how)
    {
        var payout = await PayoutStore.FindAsync(context, payoutId);
        if (payout is null) return 0;
        // This transfer is recorded already (it may have been reversed since): nothing new.
        if (payout.TransferId == transfer.Id) return 0;
        if (payout.State == PayoutStates.Paid)
        {
            if (payout.TransferId != transfer.Id)
                context.RaiseAlert(PayoutWorker.Name, "critical", "second_transfer", payoutId,
                    $"payout {payoutId} was paid by {payout.TransferId}, and transfer {transfer.Id} also names it: investigate and reverse one", transfer.Id);
            return 0;
        }
        if (transfer.Amount != payout.AmountMinor || !string.Equals(transfer.Currency, payout.Currency, StringComparison.OrdinalIgnoreCase)
            || (payout.AccountId is not null && transfer.Destination != payout.AccountId))
        {
            context.RaiseAlert(PayoutWorker.Name, "critical", "transfer_mismatch", payoutId,
                $"transfer {transfer.Id} ({transfer.Amount} {transfer.Currency} to {transfer.Destination}) names payout {payoutId} " +
                $"({payout.AmountMinor} {payout.Currency} to {payout.AccountId}) but does not match it; not recorded as its payment", transfer.Id);
            return 0;
        }
        if (payout.State == PayoutStates.Rejected)
        {
            context.RaiseAlert(PayoutWorker.Name, "critical", "transfer_for_rejected_payout", payoutId,
                $"transfer {transfer.Id} exists for payout {payoutId}, which an operator rejected: reverse it or reconcile by hand", transfer.Id);
            return 0;
        }
        var now = context.Clock.GetUtcNow();
        await PayoutStore.SaveAsync(context, payout, payout with
        {
            State = PayoutStates.Paid, HoldKind = null, Reason = $"{how}: {transfer.Id}", TransferId = transfer.Id, AccountId = transfer.Destination,
            PaidAt = now, LeaseUntil = null,
        });
        PayoutStore.PublishFact(context, payout.ContestId, PrizeTransferred.MessageIdFor(payoutId), PrizeTransferred.MessageType,
            PrizeTransferred.SchemaVersion, new PrizeTransferred(payoutId, payout.ContestId, payout.EntryId, payout.PlayerId, transfer.Destination,
                transfer.Id, transfer.Amount, payout.Currency, now));
        return 1;
    }
}

/// <summary>What a connected account can do, as Payout needs it.</summary>
public static class Recipients
{
    /// <summary>An account can receive prize transfers once its transfers capability is active.</summary>
    public static bool CanReceive(StripeAccount account) => account.Capabilities.Transfers == StripeAccountCapabilities.Active;
}
