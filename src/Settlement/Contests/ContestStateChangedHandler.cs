using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Entries;

namespace ContestPipeline.Settlement.Contests;

/// <summary>
/// Of the referee's transitions, Settlement acts on CANCELLED: every entry's fee is refunded,
/// each exactly once (one refund id per PaymentIntent). Only an OPEN contest can be cancelled:
/// a cancel for a contest already COMPLETE, SETTLED or PAID would refund fees whose prizes
/// are owed or paid, so it is refused with a critical alert and changes nothing.
/// </summary>
public sealed class ContestStateChangedHandler : MessageHandler<ContestStateChanged>
{
    public override async Task HandleAsync(ContestStateChanged change, HandlerContext context, CancellationToken ct)
    {
        if (change.To != ContestLifecycle.Name(ContestState.Cancelled)) return;
        var contest = await ContestStore.ContestAsync(context, change.ContestId, forUpdate: true)
            ?? throw new MessageRejectedException($"contest {change.ContestId} cancelled, but Settlement " +
                "never saw it scheduled");
        if (contest.State == SettlementState.Cancelled) return;
        if (!SettlementLifecycle.CanTransition(contest.State, SettlementState.Cancelled))
            throw new MessageRejectedException(
                $"contest {change.ContestId} cannot be cancelled: Settlement has it " +
                $"{SettlementLifecycle.Name(contest.State)}; no entry is refunded", AlertSeverities.Critical);
        await ContestStore.MoveAsync(context, change.ContestId, contest.State, SettlementState.Cancelled);
        foreach (var r in await EntryStore.OrderRefundsAsync(context, change.ContestId, change.Reason))
            context.Publish(Topics.PayoutsDue, change.ContestId, RefundOrdered.CancellationMessageIdFor(r.RefundId),
                new RefundOrdered(r.RefundId, change.ContestId, r.PlayerId, r.PaymentIntentId, r.AmountMinor,
                    r.Currency, $"contest cancelled: {change.Reason}"));
    }
}
