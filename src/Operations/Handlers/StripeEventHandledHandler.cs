using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>What Payout made of a Stripe event (it may arrive before the event itself).</summary>
public sealed class StripeEventHandledHandler : MessageHandler<StripeEventHandled>
{
    public override Task HandleAsync(StripeEventHandled h, HandlerContext context, CancellationToken ct) =>
        ReadModelStore.ExecuteAsync(context, """
            INSERT INTO operations.stripe_events (event_id, type, object_id, account, received_at, outcome, handled_at)
            VALUES (@EventId, @EventType, @ObjectId, @Account, @At, @Outcome, @At)
            ON CONFLICT (event_id) DO UPDATE SET outcome = excluded.outcome, handled_at = excluded.handled_at
            """, h);
}
