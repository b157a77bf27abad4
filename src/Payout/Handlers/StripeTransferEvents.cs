using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Extensions;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.Handlers;

/// <summary>
/// transfer.created / updated / paid record a prize transfer as paid (whoever sees it first);
/// transfer.reversed (and the legacy transfer.failed) publish the amount that came back and
/// fail the payout for an operator. Totals are compared, not events counted, so a duplicate or
/// late event adds nothing.
/// </summary>
public sealed class StripeTransferEvents : IStripeEventFamily
{
    public IReadOnlyCollection<string> Types { get; } = ["transfer.created", "transfer.updated", "transfer.paid", "transfer.reversed", "transfer.failed"];

    public Task<string> HandleAsync(StripeEvent e, HandlerContext context) => e.Type switch
    {
        "transfer.reversed" => ReversedAsync(context, StripeEvents.Read<StripeTransfer>(e), e, "transfer reversed"),
        "transfer.failed" => ReversedAsync(context, StripeEvents.Read<StripeTransfer>(e), e, "transfer failed (legacy event)"),
        _ => ExistsAsync(context, StripeEvents.Read<StripeTransfer>(e)),
    };

    private static async Task<string> ExistsAsync(HandlerContext context, StripeTransfer transfer)
    {
        if (!transfer.Metadata.TryGetValue("payout_id", out var payoutId)) return "not a prize transfer";
        var payout = await PayoutStore.FindAsync(context, payoutId, forUpdate: false);
        if (payout is null)
        {
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Warning, "transfer_for_unknown_payout", transfer.Id,
                $"transfer {transfer.Id} names payout {payoutId}, which Payout never ordered", transfer.Id);
            return "unknown payout " + payoutId;
        }
        return await PayoutStore.MarkPaidAsync(context, payoutId, transfer, "transfer seen on Stripe") ? "recorded paid" : "already recorded";
    }

    /// <summary>
    /// Money came back from a prize transfer. The payout fails for an operator: re-sending under
    /// its key would only replay the reversed transfer.
    /// </summary>
    private static async Task<string> ReversedAsync(HandlerContext context, StripeTransfer transfer, StripeEvent e, string what)
    {
        var payout = await PayoutStore.FindByTransferAsync(context, transfer.Id);
        if (payout is null) return "not a recorded prize transfer";
        var total = e.Type == "transfer.failed" ? transfer.Amount : transfer.AmountReversed;
        var delta = total - payout.ReversedMinor;
        if (delta <= 0) return "already recorded";
        var now = context.Clock.GetUtcNow();
        await PayoutStore.SaveAsync(context, payout, payout with
        {
            State = PayoutStates.Failed, ReversedMinor = total, Reason = $"{what}: {total} of {transfer.Amount} came back",
        });
        PayoutStore.PublishFact(context, payout, PrizeTransferReversed.MessageIdFor(payout.PayoutId, total),
            new PrizeTransferReversed(payout.PayoutId, payout.ContestId, payout.PlayerId, transfer.Id, delta, total, payout.Currency, what, now));
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "transfer_reversed", payout.PayoutId,
            $"{what}: {transfer.Id} for payout {payout.PayoutId} ({total} of {transfer.Amount} {payout.Currency} back); the prize is owed again: " +
            $"reject it to withhold it (cpctl payouts reject {payout.PayoutId})", $"{transfer.Id}:{total}");
        return $"reversed {delta}";
    }
}
