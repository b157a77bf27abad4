using Event = Stripe.Event;
using Transfer = Stripe.Transfer;
using System.Text.Json;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.StripeEvents;

/// <summary>
/// transfer.created / updated / paid / reversed and the legacy transfer.failed: an event only
/// asks for its transfer to be read; <see cref="Jobs.ReadTransfersJob"/> GETs it from Stripe
/// outside any consume transaction and records what Stripe says, never what the event's body
/// said (events come late, out of order, and only their signature vouches for them). A legacy
/// transfer.failed is remembered with the request, and books only what the read shows came back.
/// One read is skipped: a transfer Payout has already recorded as its payout's payment, named
/// by an event that is not a reversal and whose body shows nothing reversed, has nothing new to
/// tell (money coming back always comes with its own transfer.reversed, which is read). Every
/// prize's transfer.created is such an event, so a payout costs Stripe one request, not two.
/// </summary>
public sealed class TransferEvents : IStripeEventFamily
{
    public const string LegacyFailed = "transfer.failed";
    public const string Reversed = "transfer.reversed";

    public IReadOnlyCollection<string> Types { get; } = ["transfer.created", "transfer.updated",
        "transfer.paid", Reversed, LegacyFailed];

    public async Task<string> ApplyAsync(Event stripeEvent, HandlerContext context)
    {
        var transferId = StripeEventReader.ObjectId(stripeEvent)!;
        if (!transferId.StartsWith("tr_", StringComparison.Ordinal))
            throw new MessageRejectedException($"event {stripeEvent.Id} ({stripeEvent.Type}): data.object.id " +
                $"'{transferId}' is not a transfer id");
        if (stripeEvent.Type is not (Reversed or LegacyFailed) && stripeEvent.Data.Object is Transfer transfer
            && await RecordedWithNothingBackAsync(transfer, transferId, context))
            return "already recorded as its payout's payment, nothing reversed: not read";
        await ReadRequestStore.Transfers.RequestAsync(context, transferId, stripeEvent.Id,
            stripeEvent.Type == LegacyFailed);
        return "transfer read requested";
    }

    /// <summary>
    /// Only what the event's body shows as sent: Stripe.net reads a missing field as 0 or false, so an
    /// amount_reversed or reversed that is not there does not count as nothing reversed.
    /// </summary>
    private static async Task<bool> RecordedWithNothingBackAsync(Transfer transfer,
        string transferId, HandlerContext context)
    {
        if (!StripeAnswers.Has(transfer, "amount_reversed", JsonValueKind.Number)
            || transfer.AmountReversed != 0) return false;
        if (!StripeAnswers.Has(transfer, "reversed", JsonValueKind.False)) return false;
        if (transfer.Metadata?.GetValueOrDefault("payout_id") is not { } payoutId) return false;
        return await PayoutStore.FindAsync(context, payoutId, forUpdate: false) is { } payout
            && payout.TransferId == transferId;
    }
}
