using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>An entry whose payment Stripe confirmed; the player is told.</summary>
public sealed class EntryAcceptedHandler : MessageHandler<EntryAccepted>
{
    public override async Task HandleAsync(EntryAccepted entry, HandlerContext context, CancellationToken ct)
    {
        var fee = Money.Format(entry.AmountMinor, entry.Currency);
        await ContestStore.TimelineAsync(context, entry.ContestId, "entry_accepted",
            $"entry {entry.EntryId} of {entry.PlayerId} accepted ({fee}, {entry.PaymentIntentId})");
        if (!await ContestStore.EntryAcceptedAsync(context, entry)) return;
        ReadModelStore.NotifyPlayer(context, entry.PlayerId, "entry_accepted", $"Your entry in {entry.ContestId} is in",
            $"Entry {entry.EntryId} accepted; fee {fee} paid.");
    }
}
