using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Notifications;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Entries;

/// <summary>An entry whose payment Stripe confirmed; the player is told.</summary>
public sealed class EntryAcceptedHandler : BatchMessageHandler<EntryAccepted>
{
    public override Task HandleAsync(EntryAccepted entry, HandlerContext context, CancellationToken ct) =>
        RecordAsync([(entry, context.Incoming!.Envelope)], context);

    /// <summary>
    /// A run of entries (most of a contest's come in the minutes before its lock) in a few statements, with what each
    /// would have left alone: its timeline line, the entry recorded and counted once, its player told once.
    /// </summary>
    public override Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context,
        CancellationToken ct) =>
        RecordAsync([.. messages.Select(m => (m.Body<EntryAccepted>(), m.Envelope))], context);

    private static async Task RecordAsync(IReadOnlyList<(EntryAccepted Entry, Envelope Message)> run,
        HandlerContext context)
    {
        var recorded = await EntryStore.EntriesAcceptedAsync(context, [.. run.Select(r => (r.Entry, r.Message,
            Summary(r.Entry)))]);
        foreach (var (entry, message) in run)
            if (recorded.Remove(entry.EntryId))
                ReadModelStore.Notify(context, message, NotificationRequested.Player, entry.PlayerId, "entry_accepted",
                    Subject(entry), Text(entry));
    }

    private static string Summary(EntryAccepted entry) =>
        $"entry {entry.EntryId} of {entry.PlayerId} accepted ({Fee(entry)}, {entry.PaymentIntentId})";

    private static string Subject(EntryAccepted entry) => $"Your entry in {entry.ContestId} is in";

    private static string Text(EntryAccepted entry) => $"Entry {entry.EntryId} accepted; fee {Fee(entry)} paid.";

    private static string Fee(EntryAccepted entry) => Money.Format(entry.AmountMinor, entry.Currency);
}
