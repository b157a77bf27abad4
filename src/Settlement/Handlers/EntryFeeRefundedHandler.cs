using ContestPipeline.Rules.Ledger;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Domain;
using ContestPipeline.Settlement.Extensions;
using ContestPipeline.Settlement.Store;

namespace ContestPipeline.Settlement.Handlers;

/// <summary>
/// An entry fee went back to the player. A refund id is one per PaymentIntent, so one journal
/// entry per payment however the refund is reported. The fee of an entry leaves its contest's
/// entry-fee account (a cancelled contest's refunds close it). A payment that never became an
/// entry (late, over a limit, refused) was never booked: it is booked now as unapplied and
/// refunded from there, two entries that net to zero and keep both movements traceable.
/// Ingestion decides once whether a payment becomes an entry, and only Settlement orders
/// refunds of entries, after it recorded them, so a payment not among the entries here is not
/// one that will still arrive as an entry.
/// </summary>
public sealed class EntryFeeRefundedHandler : MessageHandler<EntryFeeRefunded>
{
    public override async Task HandleAsync(EntryFeeRefunded r, HandlerContext context, CancellationToken ct)
    {
        const string type = EntryFeeRefunded.MessageType;
        var expectedId = RefundOrdered.RefundIdFor(r.PaymentIntentId);
        if (r.RefundId != expectedId)
            throw new MessageRejectedException($"{type} {r.RefundId}: the refund id of PaymentIntent {r.PaymentIntentId} is {expectedId}");
        if (!Currency.TryParse(r.Currency, out var currency))
            throw new MessageRejectedException($"{type} {r.RefundId}: currency '{r.Currency}' is not one the ledger keeps");
        if (r.AmountMinor <= 0)
            throw new MessageRejectedException($"{type} {r.RefundId}: amountMinor {r.AmountMinor} is not a refund");
        var amount = new Money(r.AmountMinor, currency);
        var stripe = r.StripeRefundId ?? "refunded outside the pipeline";

        var e = await SettlementStore.EntryByPaymentAsync(context, r.PaymentIntentId);
        if (e is null)
        {
            if (!await Journal.PostAsync(context, new JournalEntry($"unapplied:{r.RefundId}", r.ContestId, "payment_unapplied",
                    $"payment {r.PaymentIntentId} of {r.PlayerId} for contest {r.ContestId} made no entry ({r.Reason})",
                    [Posting.Debit(Accounts.StripeBalance, amount), Posting.Credit(Accounts.UnappliedPayments, amount)])))
                return;
            await Journal.PostAsync(context, new JournalEntry($"refund:{r.RefundId}", r.ContestId, "refund", $"payment {r.PaymentIntentId} refunded ({stripe})",
                [Posting.Debit(Accounts.UnappliedPayments, amount), Posting.Credit(Accounts.StripeBalance, amount)]));
            return;
        }

        Recorded.Expect($"{type} {r.RefundId} of entry {e.EntryId}",
            ("contestId", r.ContestId, "entry's contest", e.ContestId), ("playerId", r.PlayerId, "entry's player", e.PlayerId),
            ("amountMinor", r.AmountMinor, "entry fee", e.AmountMinor), ("currency", r.Currency, "entry's currency", e.Currency));
        if (!await Journal.PostAsync(context, new JournalEntry($"refund:{r.RefundId}", e.ContestId, "refund", $"entry fee of {e.EntryId} refunded ({stripe}): {r.Reason}",
                [Posting.Debit(Accounts.EntryFees(e.ContestId), amount), Posting.Credit(Accounts.StripeBalance, amount)])))
            return;
        await SettlementStore.RecordRefundAsync(context, r.RefundId, r.RefundedAt, r.StripeRefundId);
        // Only a cancelled contest's entries are refunded by order; the fee of any other was
        // kept for its pool, so its contest's entry-fee account is now open by the refund.
        if (e.ContestState != ContestStatus.Cancelled)
            context.RaiseAlert(SettlementWorker.Name, AlertSeverities.Critical, "entry_fee_refunded_not_cancelled", $"entry {e.EntryId}",
                $"the entry fee of {e.EntryId} ({r.PaymentIntentId}, {amount}) was refunded ({stripe}) while contest {e.ContestId} is {ContestStates.Name(e.ContestState)}; "
                + $"its entry-fee account is open by {amount}",
                r.RefundId);
    }
}
