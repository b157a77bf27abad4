using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.Handlers;

/// <summary>
/// transfer.created / updated / paid / reversed and the legacy transfer.failed: an event only
/// asks for its transfer to be read; ReadTransfersJob GETs it from Stripe outside any consume
/// transaction and records what Stripe says, never what the event's body said (events come
/// late, out of order, and only their signature vouches for them). A legacy transfer.failed
/// is remembered with the request: it means the whole amount came back.
/// </summary>
public sealed class StripeTransferEvents : IStripeEventFamily
{
    public const string LegacyFailed = "transfer.failed";

    public IReadOnlyCollection<string> Types { get; } = ["transfer.created", "transfer.updated", "transfer.paid", "transfer.reversed", LegacyFailed];

    public async Task<string> HandleAsync(StripeEvent e, HandlerContext context)
    {
        var transferId = StripeEvents.Text(e.Data.Object, "id")!;
        if (!transferId.StartsWith("tr_", StringComparison.Ordinal))
            throw new MessageRejectedException($"event {e.Id} ({e.Type}): data.object.id '{transferId}' is not a transfer id");
        await PayoutStore.RequestTransferReadAsync(context, transferId, e.Id, e.Type == LegacyFailed);
        return "transfer read requested";
    }
}
