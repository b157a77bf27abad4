using ContestPipeline.Rules.Ledger;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Contests;
using ContestPipeline.Settlement.Ledger;

namespace ContestPipeline.Settlement.Payouts;

/// <summary>
/// A prize is paid: the winner's payable is settled from the platform's Stripe balance. The
/// fact is checked against the order Settlement made; anything else is rejected naming every
/// field that differs. MarkContestsPaidJob then sees whether the contest is PAID.
/// </summary>
public sealed class PrizeTransferredHandler : MessageHandler<PrizeTransferred>
{
    public override async Task HandleAsync(PrizeTransferred transfer, HandlerContext context, CancellationToken ct)
    {
        var payout = await PayoutStore.PayoutForUpdateAsync(context,
            PrizeTransferred.MessageType, transfer.PayoutId);
        Recorded.RejectIfDifferent($"{PrizeTransferred.MessageType} for payout {transfer.PayoutId}",
            ("contestId", transfer.ContestId, "contest", payout.ContestId),
            ("entryId", transfer.EntryId, "winning entry", payout.EntryId),
            ("playerId", transfer.PlayerId, "winner", payout.PlayerId),
            ("amountMinor", transfer.AmountMinor, "net prize ordered", payout.NetMinor),
            ("currency", transfer.Currency, "currency ordered", payout.Currency));
        var net = payout.Amount(payout.NetMinor);
        if (!await JournalStore.PostAsync(context, new JournalEntry($"transfer:{transfer.PayoutId}",
            payout.ContestId, "transfer_sent",
                $"prize of entry {transfer.EntryId} transferred to {transfer.AccountId} ({transfer.TransferId})",
                [Posting.Debit(Accounts.PrizesPayable(payout.PlayerId), net),
                    Posting.Credit(Accounts.StripeBalance, net)])))
            return;
        await PayoutStore.RecordTransferAsync(context, transfer.PayoutId,
            transfer.TransferId, transfer.TransferredAt);
        // Money moved, so the ledger records it whatever the payout's state; a prize paid after
        // it was withheld has now been given twice over, which only an operator can settle.
        if (payout.Rejected)
            context.RaiseAlert(SettlementWorker.Name, AlertSeverities.Critical, "transfer_after_rejection",
                $"payout {transfer.PayoutId}",
                $"payout {transfer.PayoutId} of contest {payout.ContestId} was transferred ({transfer.TransferId}, " +
                $"{net}) after an operator rejected it and its prize was withheld", transfer.PayoutId);
    }
}
