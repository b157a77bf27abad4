using ContestPipeline.Rules.Ledger;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Ledger;

namespace ContestPipeline.Settlement.Payouts;

/// <summary>
/// An operator rejected a payout, or Payout withheld it (its entry fee lost): it is never sent, and what it still owed
/// the winner (the net prize, less whatever stayed transferred) moves from the winner's payable to withheld prizes.
/// </summary>
public sealed class PayoutRejectedHandler : MessageHandler<PayoutRejected>
{
    public override async Task HandleAsync(PayoutRejected rejection, HandlerContext context, CancellationToken ct)
    {
        var payout = await PayoutStore.PayoutForUpdateAsync(context,
            PayoutRejected.MessageType, rejection.PayoutId);
        var transferred = payout.TransferId is null ? 0 : payout.NetMinor - payout.ReversedMinor;
        var withheld = payout.Amount(payout.NetMinor - transferred);
        // What Payout withholds is what the winner was still owed as Settlement has it: all of the prize, or what came
        // back of its transfer (booked before, on the same partition).
        Recorded.RejectIfDifferent($"{PayoutRejected.MessageType} for payout {rejection.PayoutId}",
            ("contestId", rejection.ContestId, "contest", payout.ContestId),
            ("playerId", rejection.PlayerId, "winner", payout.PlayerId),
            ("currency", rejection.Currency, "currency ordered", payout.Currency));
        if (payout.Rejected) return;
        Recorded.RejectIfDifferent($"{PayoutRejected.MessageType} for payout {rejection.PayoutId}",
            ("amountMinor", rejection.AmountMinor, "still owed to the winner", withheld.MinorUnits));
        if (withheld.MinorUnits == 0)
        {
            // A rejection cannot undo a transfer that stands: nothing is withheld and the payout stays paid.
            context.RaiseAlert(SettlementWorker.Name, AlertSeverities.Critical, "rejection_after_transfer",
                $"payout {rejection.PayoutId}",
                $"payout {rejection.PayoutId} of contest {payout.ContestId} was rejected by {rejection.Operator} " +
                $"({rejection.Reason}) after its transfer {payout.TransferId}; the transfer stands",
                rejection.PayoutId);
            return;
        }
        await JournalStore.PostAsync(context, new JournalEntry($"withheld:{rejection.PayoutId}",
            payout.ContestId, "prize_withheld",
            $"payout {rejection.PayoutId} rejected by {rejection.Operator}: {rejection.Reason}",
            [Posting.Debit(Accounts.PrizesPayable(payout.PlayerId), withheld),
                Posting.Credit(Accounts.WithheldPrizes, withheld)]));
        await PayoutStore.RecordRejectionAsync(context, rejection.PayoutId, rejection.At, withheld.MinorUnits);
    }
}
