using ContestPipeline.Rules.Ledger;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Domain;
using ContestPipeline.Settlement.Extensions;
using ContestPipeline.Settlement.Store;

namespace ContestPipeline.Settlement.Handlers;

/// <summary>
/// Money came back from a prize transfer: the prize is payable again. Totals only grow and
/// arrive in order on the contest's partition, so a total already recorded is a repeat and a
/// total that does not follow the recorded one is a gap (rejected, to be re-driven in order).
/// </summary>
public sealed class PrizeTransferReversedHandler : MessageHandler<PrizeTransferReversed>
{
    public override async Task HandleAsync(PrizeTransferReversed r, HandlerContext context, CancellationToken ct)
    {
        var payout = await SettlementStore.PayoutForUpdateAsync(context, PrizeTransferReversed.MessageType, r.PayoutId);
        var subject = $"{PrizeTransferReversed.MessageType} for payout {r.PayoutId}";
        if (payout.TransferId is null)
            throw new MessageRejectedException($"{subject}: no transfer is recorded for it yet (transferId '{r.TransferId}')");
        Recorded.Expect(subject, ("contestId", r.ContestId, "contest", payout.ContestId), ("playerId", r.PlayerId, "winner", payout.PlayerId),
            ("currency", r.Currency, "currency ordered", payout.Currency), ("transferId", r.TransferId, "transfer recorded", payout.TransferId));
        if (r.ReversedTotalMinor <= payout.ReversedMinor) return;
        if (r.AmountMinor <= 0 || r.ReversedTotalMinor != payout.ReversedMinor + r.AmountMinor || r.ReversedTotalMinor > payout.NetMinor)
            throw new MessageRejectedException(
                $"{subject}: amountMinor {r.AmountMinor} and reversedTotalMinor {r.ReversedTotalMinor} do not follow "
                + $"the {payout.ReversedMinor} reversed so far of the net prize {payout.NetMinor}");

        var amount = payout.Amount(r.AmountMinor);
        await Journal.PostAsync(context, new JournalEntry($"reversal:{r.PayoutId}:{r.ReversedTotalMinor}", payout.ContestId, "transfer_reversed",
            $"transfer {r.TransferId} of payout {r.PayoutId} reversed by {amount} ({r.Reason})",
            [Posting.Debit(Accounts.StripeBalance, amount), Posting.Credit(Accounts.PrizesPayable(payout.PlayerId), amount)]));
        await SettlementStore.RecordReversalAsync(context, r.PayoutId, r.ReversedTotalMinor);
        if (payout.ContestState == ContestStatus.Paid)
            context.RaiseAlert(SettlementWorker.Name, AlertSeverities.Critical, "reversal_after_paid", $"payout {r.PayoutId}",
                $"transfer {r.TransferId} of payout {r.PayoutId} was reversed by {amount} ({r.Reason}) after contest {payout.ContestId} was PAID; "
                + $"{payout.PlayerId} is owed it again and the contest stays PAID",
                $"{r.PayoutId}:{r.ReversedTotalMinor}");
    }
}
