using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Ledger;
using ContestPipeline.Settlement.Ledger;

namespace ContestPipeline.Settlement.Payouts;

/// <summary>
/// A prize taken back did not all come back: what the winner still owes is booked as a receivable from them and
/// withheld, so no part of a clawed-back prize leaves the books. Payout says what is owed; Settlement checks it is
/// exactly the net prize less what came back as booked before (on the same partition), so a Payout that lies can
/// book no more than the prize.
/// </summary>
public sealed class PrizeClawbackShortHandler : MessageHandler<PrizeClawbackShort>
{
    public override async Task HandleAsync(PrizeClawbackShort shortfall, HandlerContext context, CancellationToken ct)
    {
        var payout = await PayoutStore.TransferredPayoutForUpdateAsync(context, PrizeClawbackShort.MessageType,
            shortfall.PayoutId, shortfall.ContestId, shortfall.PlayerId, shortfall.Currency, shortfall.TransferId);
        var subject = $"{PrizeClawbackShort.MessageType} for payout {shortfall.PayoutId}";
        if (payout.ReceivableMinor is not null) return;
        Recorded.RejectIfDifferent(subject,
            ("recoveredMinor", shortfall.RecoveredMinor, "reversal total booked", payout.ReversedMinor),
            ("owedMinor", shortfall.OwedMinor, "net prize less what came back",
                payout.NetMinor - payout.ReversedMinor));
        if (shortfall.OwedMinor <= 0)
            throw new MessageRejectedException($"{subject}: owedMinor {shortfall.OwedMinor}: nothing is owed");

        var owed = payout.Amount(shortfall.OwedMinor);
        await JournalStore.PostAsync(context, new JournalEntry($"receivable:{shortfall.PayoutId}",
            payout.ContestId, "clawback_receivable",
            $"payout {shortfall.PayoutId} taken back short: {payout.PlayerId} owes {owed} of transfer " +
            $"{shortfall.TransferId} ({shortfall.Reason})",
            [Posting.Debit(Accounts.ClawbackReceivable(payout.PlayerId), owed),
                Posting.Credit(Accounts.WithheldPrizes, owed)]));
        await PayoutStore.RecordReceivableAsync(context, shortfall.PayoutId, shortfall.At, shortfall.OwedMinor);
    }
}
