using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>
/// A payout moved: its row takes the newest version's state (whatever order they arrive in),
/// its history keeps every step. A held or failed payout is told to its winner.
/// </summary>
public sealed class PayoutStatusChangedHandler : MessageHandler<PayoutStatusChanged>
{
    public override async Task HandleAsync(PayoutStatusChanged s, HandlerContext context, CancellationToken ct)
    {
        // The order may not have arrived yet (another topic): a row to be filled in by it.
        await ReadModelStore.ExecuteAsync(context, """
            INSERT INTO operations.payouts (payout_id, contest_id, entry_id, player_id, kind, rank, gross_minor, fee_minor, net_minor, currency, ordered_at, state, reason)
            VALUES (@PayoutId, @ContestId, '', @PlayerId, CASE WHEN @PayoutId LIKE 'makegood\_%' THEN 'make_good' ELSE 'prize' END, 0, @AmountMinor, 0, @AmountMinor,
                    @Currency, @At, 'ordered', 'ordered') ON CONFLICT DO NOTHING
            """, s);
        await ReadModelStore.ExecuteAsync(context, """
            UPDATE operations.payouts SET state = @To, hold_kind = @HoldKind, reason = @Reason, version = @Version,
                approvals = CASE WHEN @To = 'held' THEN approvals ELSE 0 END, approved_by = CASE WHEN @To = 'held' THEN approved_by END
            WHERE payout_id = @PayoutId AND version < @Version
            """, s);
        await ReadModelStore.HistoryAsync(context, s.PayoutId, s.ContestId, "status", s.Reason, s.To, s.HoldKind, amountMinor: s.AmountMinor, currency: s.Currency);
        if (s.To == PayoutStates.Held)
            ReadModelStore.NotifyPlayer(context, s.PlayerId, "payout_held", $"Your prize of {Money.Format(s.AmountMinor, s.Currency)} is being reviewed",
                $"Payout {s.PayoutId} is held ({s.HoldKind}): {s.Reason}");
        else if (s.To == PayoutStates.Failed)
            ReadModelStore.NotifyPlayer(context, s.PlayerId, "payout_failed", $"Your prize of {Money.Format(s.AmountMinor, s.Currency)} could not be sent",
                $"Payout {s.PayoutId}: {s.Reason}. We are looking into it.");
    }
}
