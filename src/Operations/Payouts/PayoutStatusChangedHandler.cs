using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Payouts;

/// <summary>
/// A payout moved: its row takes the newest version's state (whatever order they arrive in),
/// its history keeps every step. A held or failed payout is told to its winner.
/// </summary>
public sealed class PayoutStatusChangedHandler : MessageHandler<PayoutStatusChanged>
{
    public override async Task HandleAsync(PayoutStatusChanged status, HandlerContext context, CancellationToken ct)
    {
        await PayoutStore.PayoutStatusAsync(context, status);
        await MoneyHistoryStore.HistoryAsync(context, status.PayoutId, status.ContestId, "status", status.Reason,
            status.To, status.HoldKind,
            amountMinor: status.AmountMinor, currency: status.Currency);
        var prize = Money.Format(status.AmountMinor, status.Currency);
        if (status.To == PayoutStatusNames.Held)
            ReadModelStore.NotifyPlayer(context, status.PlayerId, "payout_held",
                $"Your prize of {prize} is being reviewed",
                $"Payout {status.PayoutId} is held ({status.HoldKind}): {status.Reason}");
        else if (status.To == PayoutStatusNames.Failed)
            ReadModelStore.NotifyPlayer(context, status.PlayerId, "payout_failed",
                $"Your prize of {prize} could not be sent",
                $"Payout {status.PayoutId}: {status.Reason}. We are looking into it.");
    }
}
