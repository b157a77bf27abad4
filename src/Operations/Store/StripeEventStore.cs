using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using static ContestPipeline.Operations.Store.ReadModelStore;

namespace ContestPipeline.Operations.Store;

/// <summary>Stripe's events as they arrived, and what Payout made of each: either fact may come first.</summary>
public static class StripeEventStore
{
    public static Task ReceivedAsync(HandlerContext context, string eventId, string type, string? objectId,
        string? account, DateTimeOffset at) =>
        ExecuteAsync(context, """
            INSERT INTO operations.stripe_events (event_id, type, object_id, account, received_at)
            VALUES (@eventId, @type, @objectId, @account, @at)
            ON CONFLICT (event_id) DO UPDATE SET type = excluded.type, object_id = excluded.object_id,
                received_at = excluded.received_at
            """, new { eventId, type, objectId, account, at });

    public static Task HandledAsync(HandlerContext context, StripeEventHandled handled) =>
        ExecuteAsync(context, """
            INSERT INTO operations.stripe_events (event_id, type, object_id, account, received_at, outcome, handled_at)
            VALUES (@EventId, @EventType, @ObjectId, @Account, @At, @Outcome, @At)
            ON CONFLICT (event_id) DO UPDATE SET outcome = excluded.outcome, handled_at = excluded.handled_at
            """, handled);
}
