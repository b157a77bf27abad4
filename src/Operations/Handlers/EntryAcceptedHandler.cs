using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>An entry whose payment Stripe confirmed; the player is told.</summary>
public sealed class EntryAcceptedHandler : MessageHandler<EntryAccepted>
{
    public override async Task HandleAsync(EntryAccepted e, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.TimelineAsync(context, e.ContestId, "entry_accepted", $"entry {e.EntryId} of {e.PlayerId} accepted ({Money.Format(e.AmountMinor, e.Currency)}, {e.PaymentIntentId})");
        var inserted = await ReadModelStore.ExecuteAsync(context, """
            INSERT INTO operations.entries (entry_id, contest_id, player_id, payment_intent_id, amount_minor, currency, accepted_at)
            VALUES (@EntryId, @ContestId, @PlayerId, @PaymentIntentId, @AmountMinor, @Currency, @AcceptedAt) ON CONFLICT DO NOTHING
            """, e);
        if (inserted == 0) return;
        await ReadModelStore.ExecuteAsync(context, "UPDATE operations.contests SET entry_count = entry_count + 1 WHERE contest_id = @ContestId", e);
        ReadModelStore.NotifyPlayer(context, e.PlayerId, "entry_accepted", $"Your entry in {e.ContestId} is in",
            $"Entry {e.EntryId} accepted; fee {Money.Format(e.AmountMinor, e.Currency)} paid.");
    }
}
