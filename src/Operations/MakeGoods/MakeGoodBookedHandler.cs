using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Operations.Contests;

namespace ContestPipeline.Operations.MakeGoods;

/// <summary>A make-good booked as a platform expense and ordered for payment.</summary>
public sealed class MakeGoodBookedHandler : MessageHandler<MakeGoodBooked>
{
    public override async Task HandleAsync(MakeGoodBooked booked, HandlerContext context, CancellationToken ct)
    {
        await ContestStore.TimelineAsync(context, booked.ContestId, "make_good_booked",
            $"make-good {booked.PayoutId} of {Money.Format(booked.AmountMinor, booked.Currency)} for entry " +
            $"{booked.EntryId} " +
            $"({booked.PlayerId}) booked; proposed by {booked.ProposedBy}, confirmed by {booked.ConfirmedBy}");
        await MoneyHistoryStore.HistoryAsync(context, booked.PayoutId, booked.ContestId, "make_good_booked",
            $"proposed by {booked.ProposedBy}, confirmed by {booked.ConfirmedBy}", @operator: booked.ConfirmedBy,
            amountMinor: booked.AmountMinor, currency: booked.Currency);
    }
}
