using Event = Stripe.Event;
using Transfer = Stripe.Transfer;
using System.Text.Json;
using ContestPipeline.Payout.StripeEvents;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.Transfers;

/// <summary>
/// transfer.created / updated / paid / reversed and the legacy transfer.failed: an event only
/// asks for its transfer to be read; <see cref="ReadTransfersJob"/> GETs it from Stripe
/// outside any consume transaction and records what Stripe says, never what the event's body
/// said (events come late, out of order, and only their signature vouches for them). A legacy
/// transfer.failed is remembered with the request, and books only what the read shows came back.
/// One read is skipped: a transfer Payout has already recorded as its payout's payment, named
/// by an event that is not a reversal and whose body shows nothing reversed, has nothing new to
/// tell (money coming back always comes with its own transfer.reversed, which is read). Every
/// prize's transfer.created is such an event, so a payout costs Stripe one request, not two. One
/// that arrives before the transfer job's record of its transfer has committed (the payout is
/// still submitting, no transfer recorded) has its read wait for that record
/// (<see cref="PayoutOptions.TransferReadWait"/>): dropped if the record names this
/// transfer, made as any other read if it does not come.
/// </summary>
public sealed class TransferEvents : IStripeEventFamily
{
    public const string LegacyFailed = "transfer.failed";
    public const string Reversed = "transfer.reversed";

    /// <summary>The outcome of a waiting read that the payout's own record answered.</summary>
    public const string RecordedMeanwhile =
        "recorded as its payout's payment while its read waited, nothing reversed: not read";

    public IReadOnlyCollection<string> Types { get; } = ["transfer.created", "transfer.updated",
        "transfer.paid", Reversed, LegacyFailed];

    public async Task<string> ApplyAsync(Event stripeEvent, HandlerContext context)
    {
        var transferId = StripeEventReader.ObjectId(stripeEvent)!;
        if (!transferId.StartsWith("tr_", StringComparison.Ordinal))
            throw new MessageRejectedException($"event {stripeEvent.Id} ({stripeEvent.Type}): data.object.id " +
                $"'{transferId}' is not a transfer id");
        var payout = stripeEvent.Type is not (Reversed or LegacyFailed) && stripeEvent.Data.Object is Transfer transfer
            ? await PayoutWithNothingBackAsync(transfer, context) : null;
        if (payout?.TransferId == transferId)
            return "already recorded as its payout's payment, nothing reversed: not read";
        // Being sent: most likely this very transfer, whose record has not committed yet.
        var awaiting = payout is { State: PayoutState.Submitting, TransferId: null } ? payout.PayoutId : null;
        await ReadRequestStore.Transfers.RequestAsync(context, transferId, stripeEvent.Id,
            stripeEvent.Type == LegacyFailed, awaitingPayout: awaiting);
        return awaiting is null ? "transfer read requested"
            : $"transfer read requested, after payout {awaiting}'s own record of it if that does not come first";
    }

    /// <summary>
    /// The payout the transfer names when its body shows nothing reversed. Only what the body shows as sent:
    /// Stripe.net reads a missing field as 0 or false, so an amount_reversed or reversed that is not there does not
    /// count as nothing reversed.
    /// </summary>
    private static async Task<PayoutRow?> PayoutWithNothingBackAsync(Transfer transfer, HandlerContext context)
    {
        if (!StripeAnswers.Has(transfer, "amount_reversed", JsonValueKind.Number)
            || transfer.AmountReversed != 0) return null;
        if (!StripeAnswers.Has(transfer, "reversed", JsonValueKind.False)) return null;
        if (transfer.Metadata?.GetValueOrDefault("payout_id") is not { } payoutId) return null;
        return await PayoutStore.FindAsync(context, payoutId, forUpdate: false);
    }
}
