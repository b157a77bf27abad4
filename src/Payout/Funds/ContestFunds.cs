using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Funds;

/// <summary>
/// What a contest may still be paid: the entry fees Payout has itself verified on Stripe as paid in for it (<see
/// cref="Proven"/>: succeeded, less refunded) or, for a guaranteed contest, its guarantee as the operators sealed it
/// (<see cref="Guaranteed"/>, recorded from Settlement's authorization only when the seals verify here), whichever is
/// more, less the prizes already ordered against them (<see cref="Ordered"/>). A prize order beyond it is recorded
/// held (<see cref="PayoutHold.Funds"/>), never sent, with a critical alert; <see cref="VerifyFundsJob"/> releases it
/// once later verified payments cover it. Make-goods are not counted nor checked here: their money is the platform's,
/// authorized by Settlement's make-good authorization.
/// </summary>
public sealed record ContestFunds(long Proven, long Guaranteed, long Ordered)
{
    public long Left => Math.Max(Proven, Guaranteed) - Ordered;

    /// <summary>The contest's funds; the caller holds its budget row, so orders count one after another.</summary>
    public static async Task<ContestFunds> OfAsync(TransactionContext context, string contestId, string currency)
    {
        var (proven, guaranteed, ordered) = await FundsStore.ProvenAsync(context, contestId, currency);
        return new ContestFunds(proven, guaranteed, ordered);
    }

    /// <summary>
    /// The payout as recorded for a new prize order: as it is when the contest's verified funds cover it (and for a
    /// make-good), else held for funds not proven with a critical alert naming the contest, the order and the
    /// shortfall. Runs after the order has taken its authorization, whose row lock orders the contest's orders.
    /// </summary>
    public static async Task<PayoutRow> CheckAsync(TransactionContext context, PayoutRow payout)
    {
        if (PrizePayoutOrdered.IsMakeGoodId(payout.PayoutId)) return payout;
        var funds = await OfAsync(context, payout.ContestId, payout.Currency);
        if (payout.AmountMinor <= funds.Left) return payout;
        var shortfall = payout.AmountMinor - Math.Max(0, funds.Left);
        var guarantee = funds.Guaranteed > 0 ? $" and a sealed guarantee of {funds.Guaranteed}" : "";
        var why = $"funds not proven: contest {payout.ContestId} has {funds.Proven} {payout.Currency} of entry fees " +
            $"verified on Stripe by Payout{guarantee}, {funds.Ordered} ordered already; prize {payout.PayoutId} of " +
            $"{payout.AmountMinor} is {shortfall} short";
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "funds_not_proven", payout.ContestId,
            why + "; held until verified payments cover it, or an operator decides", payout.PayoutId);
        return payout with { State = PayoutState.Held, Hold = PayoutHold.Funds, Reason = why };
    }
}
