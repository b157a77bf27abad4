using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Refunds;

/// <summary>
/// The referee's word that a contest is cancelled (Scoring's <see cref="ContestStateChanged"/> to CANCELLED, as its
/// signature proves): Settlement's refunds of the contest's entry fees are grounded from here on
/// (<see cref="RefundStore.GroundCancelledAsync"/>), and until then wait unsent, so that Settlement alone cannot have a
/// contest's fees refunded. A cancel any other producer published is refused with a critical alert; every other
/// transition is nothing to Payout.
/// </summary>
public sealed class ContestCancelledHandler : MessageHandler<ContestStateChanged>
{
    public override Task HandleAsync(ContestStateChanged change, HandlerContext context, CancellationToken ct)
    {
        if (change.To != ContestLifecycle.Name(ContestState.Cancelled)) return Task.CompletedTask;
        var producer = context.Incoming!.Producer;
        if (producer != Producers.Scoring)
            throw new MessageRejectedException(
                $"contest {change.ContestId} cancelled by {producer ?? "no producer"}: only the referee " +
                $"({Producers.Scoring}) cancels a contest; no refund is grounded by it",
                AlertSeverities.Critical);
        return RefundStore.GroundCancelledAsync(context, change.ContestId, change.Reason, change.ChangedAt);
    }
}
