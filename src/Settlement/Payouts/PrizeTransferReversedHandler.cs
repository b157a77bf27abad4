using ContestPipeline.Rules.Ledger;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Contests;
using ContestPipeline.Settlement.Ledger;

namespace ContestPipeline.Settlement.Payouts;

/// <summary>
/// Money came back from a prize transfer: the prize is payable again, or, for a payout withheld already, withheld.
/// Totals only grow and arrive in order on the contest's partition, so a total already recorded is a repeat and a
/// total that does not follow the recorded one is a gap (rejected, to be re-driven in order).
/// </summary>
public sealed class PrizeTransferReversedHandler : MessageHandler<PrizeTransferReversed>
{
    public override async Task HandleAsync(PrizeTransferReversed reversal, HandlerContext context, CancellationToken ct)
    {
        var payout = await PayoutStore.TransferredPayoutForUpdateAsync(context, PrizeTransferReversed.MessageType,
            reversal.PayoutId, reversal.ContestId, reversal.PlayerId, reversal.Currency, reversal.TransferId);
        var subject = $"{PrizeTransferReversed.MessageType} for payout {reversal.PayoutId}";
        if (reversal.ReversedTotalMinor <= payout.ReversedMinor) return;
        if (reversal.AmountMinor <= 0 || reversal.ReversedTotalMinor != payout.ReversedMinor + reversal.AmountMinor
            || reversal.ReversedTotalMinor > payout.NetMinor)
            throw new MessageRejectedException(
                $"{subject}: amountMinor {reversal.AmountMinor} and reversedTotalMinor " +
                $"{reversal.ReversedTotalMinor} do not follow "
                + $"the {payout.ReversedMinor} reversed so far of the net prize {payout.NetMinor}");

        var amount = payout.Amount(reversal.AmountMinor);
        // What the winner owes back of a clawback that fell short is paid down first, then what operators wrote off of
        // it is recovered; the rest is owed to the winner again, unless the payout is withheld already: then what came
        // back is withheld too.
        var repaid = payout.Amount(Math.Min(reversal.AmountMinor, payout.OwedMinor));
        var recovered = payout.Amount(Math.Min(reversal.AmountMinor - repaid.MinorUnits, payout.WrittenOffMinor));
        var rest = payout.Amount(reversal.AmountMinor - repaid.MinorUnits - recovered.MinorUnits);
        var to = payout.Rejected ? Accounts.WithheldPrizes : Accounts.PrizesPayable(payout.PlayerId);
        await JournalStore.PostAsync(context, new JournalEntry(
            $"reversal:{reversal.PayoutId}:{reversal.ReversedTotalMinor}",
            payout.ContestId, "transfer_reversed",
            $"transfer {reversal.TransferId} of payout {reversal.PayoutId} reversed by {amount} ({reversal.Reason})" +
            (repaid.MinorUnits > 0 ? $": {repaid} of what {payout.PlayerId} owes back recovered" : "") +
            (recovered.MinorUnits > 0 ? $": {recovered} of what was written off recovered" : "") +
            (payout.Rejected && rest.MinorUnits > 0 ? ": withheld, as the payout is" : ""),
            // A zero line is left out.
            [Posting.Debit(Accounts.StripeBalance, amount),
                Posting.Credit(Accounts.ClawbackReceivable(payout.PlayerId), repaid),
                Posting.Credit(Accounts.BadDebt, recovered), Posting.Credit(to, rest)]));
        await PayoutStore.RecordReversalAsync(context, reversal.PayoutId, reversal.ReversedTotalMinor);
        if (repaid.MinorUnits > 0)
            await PayoutStore.PayDownReceivableAsync(context, reversal.PayoutId, repaid.MinorUnits);
        if (recovered.MinorUnits > 0)
            await PayoutStore.RecoverWrittenOffAsync(context, reversal.PayoutId, recovered.MinorUnits);
        if (payout.Rejected)
        {
            if (rest.MinorUnits > 0) await PayoutStore.AddWithheldAsync(context, reversal.PayoutId, rest.MinorUnits);
            return;
        }
        if (payout.ContestState != SettlementState.Paid) return;
        // Payout's own clawback (the entry fee lost) is withheld next, on this partition: no one is owed it again.
        var clawback = reversal.Reason.StartsWith(PrizeTransferReversed.ClawbackReasonPrefix, StringComparison.Ordinal);
        context.RaiseAlert(SettlementWorker.Name, clawback ? AlertSeverities.Warning : AlertSeverities.Critical,
            "reversal_after_paid", $"payout {reversal.PayoutId}",
            $"transfer {reversal.TransferId} of payout {reversal.PayoutId} was reversed by {amount} " +
            $"({reversal.Reason}) after contest {payout.ContestId} was PAID; " + (clawback
                ? "Payout took it back and withholds it; the contest stays PAID"
                : $"{payout.PlayerId} is owed it again and the contest stays PAID"),
            $"{reversal.PayoutId}:{reversal.ReversedTotalMinor}");
    }
}
