using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Notifications;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>An entry whose payment Stripe confirmed; the player is told.</summary>
public sealed class EntryAcceptedHandler : BatchMessageHandler<EntryAccepted>
{
    /// <summary>
    /// A run of entries (most of a contest's come in the minutes before its lock) in a few statements, with what each
    /// would have left alone: its timeline line, the entry recorded and counted once, its player told once.
    /// </summary>
    public override async Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context,
        CancellationToken ct)
    {
        var run = messages.Select(m => (Entry: m.Body<EntryAccepted>(), m.Envelope))
            .Select(r => (r.Entry, r.Envelope, Summary(r.Entry))).ToList();
        var recorded = await ContestStore.EntriesAcceptedAsync(context, run);
        foreach (var (entry, message, _) in run)
            if (recorded.Remove(entry.EntryId))
                ReadModelStore.Notify(context, message, NotificationRequested.Player, entry.PlayerId, "entry_accepted",
                    Subject(entry), Text(entry));
    }

    public override async Task HandleAsync(EntryAccepted entry, HandlerContext context, CancellationToken ct)
    {
        await ContestStore.TimelineAsync(context, entry.ContestId, "entry_accepted", Summary(entry));
        if (!await ContestStore.EntryAcceptedAsync(context, entry)) return;
        ReadModelStore.NotifyPlayer(context, entry.PlayerId, "entry_accepted", Subject(entry), Text(entry));
    }

    private static string Summary(EntryAccepted entry) =>
        $"entry {entry.EntryId} of {entry.PlayerId} accepted ({Fee(entry)}, {entry.PaymentIntentId})";

    private static string Subject(EntryAccepted entry) => $"Your entry in {entry.ContestId} is in";

    private static string Text(EntryAccepted entry) => $"Entry {entry.EntryId} accepted; fee {Fee(entry)} paid.";

    private static string Fee(EntryAccepted entry) => Money.Format(entry.AmountMinor, entry.Currency);
}
