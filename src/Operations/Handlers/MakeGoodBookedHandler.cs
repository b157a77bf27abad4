using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>A make-good booked as a platform expense and ordered for payment.</summary>
public sealed class MakeGoodBookedHandler : MessageHandler<MakeGoodBooked>
{
    public override async Task HandleAsync(MakeGoodBooked b, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.TimelineAsync(context, b.ContestId, "make_good_booked",
            $"make-good {b.PayoutId} of {Money.Format(b.AmountMinor, b.Currency)} for entry {b.EntryId} ({b.PlayerId}) booked; proposed by {b.ProposedBy}, confirmed by {b.ConfirmedBy}");
        await ReadModelStore.HistoryAsync(context, b.PayoutId, b.ContestId, "make_good_booked", $"proposed by {b.ProposedBy}, confirmed by {b.ConfirmedBy}",
            @operator: b.ConfirmedBy, amountMinor: b.AmountMinor, currency: b.Currency);
    }
}
