using ContestPipeline.Contracts;
using ContestPipeline.Rules.Ledger;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Ledger;

namespace ContestPipeline.Settlement.Payouts;

/// <summary>
/// A transfer that was not the prize ordered (another amount, currency or destination) left
/// for a payout, which Payout quarantined. The ledger books what it moved, out of the Stripe
/// balance into transfers in question, once; the prize stays payable (the winner was not paid
/// as ordered) and the contest does not become PAID on it. An operator reconciles it by hand.
/// </summary>
public sealed class PrizeTransferQuarantinedHandler : MessageHandler<PrizeTransferQuarantined>
{
    public override async Task HandleAsync(PrizeTransferQuarantined quarantine, HandlerContext context,
        CancellationToken ct)
    {
        var payout = await PayoutStore.PayoutForUpdateAsync(context, PrizeTransferQuarantined.MessageType,
            quarantine.PayoutId);
        var subject = $"{PrizeTransferQuarantined.MessageType} for payout {quarantine.PayoutId}";
        Recorded.RejectIfDifferent(subject, ("contestId", quarantine.ContestId, "contest", payout.ContestId),
            ("playerId", quarantine.PlayerId, "winner", payout.PlayerId));
        if (quarantine.AmountMinor <= 0)
            throw new MessageRejectedException($"{subject}: amountMinor {quarantine.AmountMinor} is not positive",
                AlertSeverities.Critical);
        if (!Currency.TryParse(quarantine.Currency, out var currency))
            throw new MessageRejectedException($"{subject}: unsupported currency '{quarantine.Currency}'",
                AlertSeverities.Critical);
        var sent = new Money(quarantine.AmountMinor, currency);
        var to = quarantine.Destination ?? "no destination";
        if (!await JournalStore.PostAsync(context, new JournalEntry($"quarantine:{quarantine.PayoutId}",
                payout.ContestId,
                "transfer_quarantined",
                $"transfer {quarantine.TransferId} naming payout {quarantine.PayoutId} moved {sent} to {to}, " +
                $"not the prize ordered ({quarantine.Reason})",
                [Posting.Debit(Accounts.TransfersInQuestion, sent), Posting.Credit(Accounts.StripeBalance, sent)])))
            return;
        context.RaiseAlert(SettlementWorker.Name, AlertSeverities.Critical, "transfer_in_question",
            $"payout {quarantine.PayoutId}",
            $"transfer {quarantine.TransferId} moved {sent} for payout {quarantine.PayoutId} " +
            $"of contest {payout.ContestId}, " +
            $"not the prize ordered: booked to {Accounts.TransfersInQuestion}; " +
            $"the prize stays payable to {payout.PlayerId} until reconciled", quarantine.PayoutId);
    }
}
