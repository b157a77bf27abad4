using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Payouts;

/// <summary>
/// An operator's rejection, or Payout's own withholding, applied: the prize is withheld. A withholding no operator
/// decided (its entry fee lost) is told to the winner, with why.
/// </summary>
public sealed class PayoutRejectedHandler : MessageHandler<PayoutRejected>
{
    public override async Task HandleAsync(PayoutRejected rejected, HandlerContext context, CancellationToken ct)
    {
        await MoneyHistoryStore.HistoryAsync(context, rejected.PayoutId, rejected.ContestId, "rejected",
            rejected.Reason, @operator: rejected.Operator,
            amountMinor: rejected.AmountMinor, currency: rejected.Currency);
        if (rejected.Operator != PayoutRejected.AutomaticOperator) return;
        ReadModelStore.NotifyPlayer(context, rejected.PlayerId, "prize_withheld",
            $"Your prize from {rejected.ContestId} was withheld",
            $"Your prize from {rejected.ContestId} was withheld because {rejected.Reason}. Any part of it already " +
            "paid to your payout account is taken back. Contact support if you think this is wrong.");
    }
}
