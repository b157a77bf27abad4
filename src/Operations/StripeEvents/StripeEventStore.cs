using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using static ContestPipeline.Operations.ReadModelStore;

namespace ContestPipeline.Operations.StripeEvents;

/// <summary>Stripe's events as they arrived, and what Payout made of each: either fact may come first.</summary>
public static class StripeEventStore
{
    /// <summary>An event as it arrived.</summary>
    public sealed record Received(string EventId, string Type, string? ObjectId, string? Account, DateTimeOffset At);

    /// <summary>
    /// Records events as they arrived, in one statement; an event given twice is recorded as the last of them
    /// says, as when each is applied in turn.
    /// </summary>
    public static Task ReceivedAsync(HandlerContext context, IReadOnlyList<Received> events)
    {
        var last = LastOfEach(events, e => e.EventId);
        return ExecuteAsync(context, """
            INSERT INTO operations.stripe_events (event_id, type, object_id, account, received_at)
            SELECT * FROM unnest(@ids, @types, @objects, @accounts, @ats)
            ON CONFLICT (event_id) DO UPDATE SET type = excluded.type, object_id = excluded.object_id,
                received_at = excluded.received_at
            """, new
        {
            ids = last.Select(e => e.EventId).ToArray(), types = last.Select(e => e.Type).ToArray(),
            objects = last.Select(e => e.ObjectId).ToArray(), accounts = last.Select(e => e.Account).ToArray(),
            ats = last.Select(e => e.At).ToArray(),
        });
    }

    /// <summary>What Payout made of events, in one statement; the last word on an event given twice stands.</summary>
    public static Task HandledAsync(HandlerContext context, IReadOnlyList<StripeEventHandled> handled)
    {
        var last = LastOfEach(handled, h => h.EventId);
        return ExecuteAsync(context, """
            INSERT INTO operations.stripe_events (event_id, type, object_id, account, received_at, outcome, handled_at)
            SELECT id, type, object_id, account, at, outcome, at
            FROM unnest(@ids, @types, @objects, @accounts, @ats, @outcomes)
                AS t(id, type, object_id, account, at, outcome)
            ON CONFLICT (event_id) DO UPDATE SET outcome = excluded.outcome, handled_at = excluded.handled_at
            """, new
        {
            ids = last.Select(h => h.EventId).ToArray(), types = last.Select(h => h.EventType).ToArray(),
            objects = last.Select(h => h.ObjectId).ToArray(), accounts = last.Select(h => h.Account).ToArray(),
            ats = last.Select(h => h.At).ToArray(), outcomes = last.Select(h => h.Outcome).ToArray(),
        });
    }

    /// <summary>
    /// One of each key, the last given, in the order of those: a statement may change a row only once.
    /// </summary>
    private static List<T> LastOfEach<T>(IReadOnlyList<T> items, Func<T, string> key)
    {
        var lastAt = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++) lastAt[key(items[i])] = i;
        return [.. items.Where((item, i) => lastAt[key(item)] == i)];
    }
}
