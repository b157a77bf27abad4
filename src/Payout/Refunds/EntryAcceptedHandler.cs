using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Refunds;

/// <summary>
/// Ingestion's word that a payment became an accepted entry, kept against its own refund orders: Ingestion refunds
/// only a payment it made no entry of, so it may not later refund this one (<see cref="RefundOrderedHandler"/>). One
/// that came first is refused here if it is still waiting, unsent (it waits until Ingestion has also said the
/// payment made no entry: <see cref="RefundStore.GroundAsync"/>); one already sent, on Ingestion's word that the
/// payment was rejected, cannot be called back, and an operator is paged either way (one of Ingestion's statements is
/// false). The entry's fee is the contest's
/// money; Settlement's refund of a cancelled contest is not Ingestion's and is not touched.
/// </summary>
public sealed class EntryAcceptedHandler : MessageHandler<EntryAccepted>
{
    public override async Task HandleAsync(EntryAccepted entry, HandlerContext context, CancellationToken ct)
    {
        await RefundStore.LockGroundsAsync(context, null, entry.PaymentIntentId);
        await RefundStore.RecordAcceptedFeeAsync(context, entry.PaymentIntentId, entry.EntryId, entry.ContestId,
            entry.PlayerId);
        if (await RefundStore.OrderedByAsync(context, entry.PaymentIntentId, Producers.Ingestion) is not { } refund)
            return;
        var why = $"payment {entry.PaymentIntentId} paid for entry {entry.EntryId}, which Ingestion accepted; " +
            $"Ingestion ordered refund {refund.RefundId} of it too";
        string what;
        if (await RefundStore.RefuseWaitingAsync(context, refund.RefundId, why))
        {
            context.Publish(Topics.PayoutsStatus, refund.ContestId, RefundFailed.MessageIdFor(refund.RefundId),
                new RefundFailed(refund.RefundId, refund.ContestId, refund.PlayerId, entry.PaymentIntentId,
                    refund.AmountMinor, refund.Currency, "refused: " + why, context.Clock.GetUtcNow()));
            what = "refused unsent";
        }
        else if (refund.State == RefundLifecycle.Name(RefundState.Failed))
            what = "it failed before: nothing was refunded";
        else
            what = $"it is {refund.State}, and cannot be called back: the entry plays on a fee refunded " +
                "(Payout pays the contest only from fees not refunded)";
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "refund_of_accepted_entry", refund.RefundId,
            $"refund {refund.RefundId} of {refund.AmountMinor} {refund.Currency} for contest {refund.ContestId}: " +
            $"{why}; {what}", refund.RefundId);
    }
}
