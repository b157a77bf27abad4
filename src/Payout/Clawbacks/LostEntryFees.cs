using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Clawbacks;

/// <summary>
/// What the pipeline does when the entry fee behind a prize is lost for good: a dispute lost, or the fee refunded in
/// full outside the pipeline. Every prize already transferred with it is taken back (a clawback, reversed on Stripe
/// by <see cref="ReverseTransfersJob"/>); after a lost dispute every prize not sent is withheld (seed rule: a prize
/// won with a lost dispute's fee is 0). Both are the same withholding an operator's reject makes
/// (<see cref="PayoutRejected"/>, by <see cref="PayoutRejected.AutomaticOperator"/>), so the ledger moves the prize
/// from the winner's payable to withheld prizes, and the winner is told why.
/// </summary>
public static class LostEntryFees
{
    /// <summary>
    /// The entry fee <paramref name="paymentIntent"/> is lost (<paramref name="cause"/>, as the winner and operators
    /// read it): its transferred prizes are ordered taken back, and with <paramref name="withholdUnpaid"/> those not
    /// sent are withheld. A prize whose transfer may have been sent is taken back once Stripe's answer records it.
    /// </summary>
    public static async Task<string> EntryFeeLostAsync(TransactionContext context, string paymentIntent,
        string cause, bool withholdUnpaid)
    {
        var payouts = await PayoutStore.OfPaymentAsync(context, paymentIntent, [PayoutState.Waiting,
            PayoutState.AwaitingAccount, PayoutState.Held, PayoutState.Submitting, PayoutState.Failed,
            PayoutState.Paid]);
        int ordered = 0, withheld = 0;
        foreach (var payout in payouts)
        {
            var transferred = payout.TransferId is not null && payout.ReversedMinor < payout.AmountMinor;
            if ((transferred || payout is { State: PayoutState.Submitting, MaybeSent: true })
                && await ClawbackStore.OrderAsync(context, payout, cause))
            {
                ordered++;
                context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Warning, "prize_clawback_ordered",
                    payout.PayoutId,
                    $"prize {payout.PayoutId} ({payout.AmountMinor} {payout.Currency} to player {payout.PlayerId}" +
                    $"{(payout.TransferId is { } t ? ", transfer " + t : ", its transfer perhaps sent")}) is being " +
                    $"taken back: {cause}", payout.PayoutId + ":clawback");
            }
            if (withholdUnpaid && payout.State != PayoutState.Paid && payout.Rejectable)
            {
                await WithholdAsync(context, payout, cause);
                withheld++;
            }
        }
        return $"; {ordered} prizes taken back, {withheld} withheld";
    }

    /// <summary>
    /// Withholds a payout not sent (or whose transfer came back): rejected by the pipeline itself, with what it
    /// withholds (all of it, or what came back of its transfer) published for the ledger and the winner.
    /// </summary>
    public static async Task WithholdAsync(TransactionContext context, PayoutRow payout, string why)
    {
        if (payout.State == PayoutState.Rejected) return;
        await PayoutStore.SaveAsync(context, payout, payout with
        {
            State = PayoutState.Rejected, Hold = null, Reason = "withheld: " + why, LeaseUntil = null,
        });
        PublishWithheld(context, payout, payout.TransferId is null ? payout.AmountMinor : payout.ReversedMinor, why);
    }

    /// <summary>The withholding's fact, after whatever came back of the transfer was published.</summary>
    public static void PublishWithheld(TransactionContext context, PayoutRow payout, long withheldMinor, string why) =>
        PayoutStore.PublishFact(context, payout, PayoutRejected.MessageIdFor(payout.PayoutId),
            new PayoutRejected(payout.PayoutId, payout.ContestId, payout.PlayerId, withheldMinor, payout.Currency,
                PayoutRejected.AutomaticOperator, why, context.Clock.GetUtcNow()));
}
