using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.StripeEvents;

/// <summary>payout.stripe_events: every Stripe event Payout read, with what was made of it.</summary>
public static class StripeEventStore
{
    /// <summary>
    /// Keeps what was made of a run of Stripe events in one statement, and says so on payouts.status for operators
    /// (StripeEventHandled), each caused by its own message, in the run's order; an event already kept (or twice in
    /// the run) is kept once.
    /// </summary>
    public static async Task RecordAsync(TransactionContext context, IReadOnlyList<RecordedEvent> events)
    {
        if (events.Count == 0) return;
        var now = context.Clock.GetUtcNow();
        var once = events.DistinctBy(e => e.Seen.Id, StringComparer.Ordinal).ToList();
        var inserted = (await context.Connection.QueryAsync<string>("""
            INSERT INTO payout.stripe_events (event_id, type, object_id, account, created, outcome, received_at)
            SELECT id, type, object_id, account, created, outcome, @now
            FROM unnest(@ids, @types, @objects, @accounts, @created, @outcomes)
                AS t(id, type, object_id, account, created, outcome)
            ON CONFLICT (event_id) DO NOTHING
            RETURNING event_id
            """, new
        {
            ids = once.Select(e => e.Seen.Id).ToArray(), types = once.Select(e => e.Seen.Type).ToArray(),
            objects = once.Select(e => e.ObjectId).ToArray(), accounts = once.Select(e => e.Seen.Account).ToArray(),
            created = once.Select(e => e.Seen.Created).ToArray(), outcomes = once.Select(e => e.Outcome).ToArray(), now,
        }, context.Transaction)).ToHashSet(StringComparer.Ordinal);
        foreach (var (e, objectId, outcome, cause) in once)
            if (inserted.Contains(e.Id))
                context.Publish(cause, Topics.PayoutsStatus, objectId, StripeEventHandled.MessageIdFor(e.Id),
                    new StripeEventHandled(e.Id, e.Type, objectId, e.Account, outcome, now));
    }

    /// <summary>Adds what a later read made of an event to its record.</summary>
    public static Task AddOutcomeAsync(TransactionContext context, string eventId, string outcome) =>
        context.Connection.ExecuteAsync("UPDATE payout.stripe_events SET outcome = outcome || '; ' || @outcome " +
            "WHERE event_id = @eventId", new { eventId, outcome }, context.Transaction);
}
