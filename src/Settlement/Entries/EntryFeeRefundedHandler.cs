using ContestPipeline.Rules.Ledger;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Contests;
using ContestPipeline.Settlement.Ledger;
using ContestPipeline.Settlement.Payouts;

namespace ContestPipeline.Settlement.Entries;

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
    public override async Task HandleAsync(EntryFeeRefunded refund, HandlerContext context, CancellationToken ct)
    {
        const string type = EntryFeeRefunded.MessageType;
        var expectedId = RefundOrdered.RefundIdFor(refund.PaymentIntentId);
        if (refund.RefundId != expectedId)
            throw new MessageRejectedException($"{type} {refund.RefundId}: the refund id of PaymentIntent " +
                $"{refund.PaymentIntentId} is {expectedId}");
        if (!Currency.TryParse(refund.Currency, out var currency))
            throw new MessageRejectedException($"{type} {refund.RefundId}: currency '{refund.Currency}' is " +
                "not one the ledger keeps");
        if (refund.AmountMinor <= 0)
            throw new MessageRejectedException($"{type} {refund.RefundId}: amountMinor " +
                $"{refund.AmountMinor} is not a refund");
        var amount = new Money(refund.AmountMinor, currency);
        var stripe = refund.StripeRefundId ?? "refunded outside the pipeline";

        var entry = await EntryStore.EntryByPaymentAsync(context, refund.PaymentIntentId);
        if (entry is null)
        {
            if (!await JournalStore.PostAsync(context, new JournalEntry($"unapplied:{refund.RefundId}",
                refund.ContestId, "payment_unapplied",
                    $"payment {refund.PaymentIntentId} of {refund.PlayerId} for contest {refund.ContestId} made no " +
                    $"entry ({refund.Reason})",
                    [Posting.Debit(Accounts.StripeBalance, amount),
                        Posting.Credit(Accounts.UnappliedPayments, amount)])))
                return;
            await JournalStore.PostAsync(context, new JournalEntry($"refund:{refund.RefundId}", refund.ContestId,
                "refund",
                $"payment {refund.PaymentIntentId} refunded ({stripe})",
                [Posting.Debit(Accounts.UnappliedPayments, amount), Posting.Credit(Accounts.StripeBalance, amount)]));
            return;
        }

        Recorded.RejectIfDifferent($"{type} {refund.RefundId} of entry {entry.EntryId}",
            ("contestId", refund.ContestId, "entry's contest", entry.ContestId),
            ("playerId", refund.PlayerId, "entry's player", entry.PlayerId),
            ("amountMinor", refund.AmountMinor, "entry fee", entry.AmountMinor),
            ("currency", refund.Currency, "entry's currency", entry.Currency));
        if (!await JournalStore.PostAsync(context, new JournalEntry($"refund:{refund.RefundId}", entry.ContestId,
            "refund",
            $"entry fee of {entry.EntryId} refunded ({stripe}): {refund.Reason}",
                [Posting.Debit(Accounts.EntryFees(entry.ContestId), amount),
                    Posting.Credit(Accounts.StripeBalance, amount)])))
            return;
        await EntryStore.RecordRefundAsync(context, refund.RefundId, refund.RefundedAt, refund.StripeRefundId);
        // Only a cancelled contest's entries are refunded by order; the fee of any other was
        // kept for its pool, so its contest's entry-fee account is now open by the refund.
        if (entry.ContestState != SettlementState.Cancelled)
            context.RaiseAlert(SettlementWorker.Name, AlertSeverities.Critical, "entry_fee_refunded_not_cancelled",
                $"entry {entry.EntryId}",
                $"the entry fee of {entry.EntryId} ({refund.PaymentIntentId}, {amount}) was refunded ({stripe}) " +
                $"while contest {entry.ContestId} is {SettlementLifecycle.Name(entry.ContestState)}; "
                + $"its entry-fee account is open by {amount}",
                refund.RefundId);
    }
}
