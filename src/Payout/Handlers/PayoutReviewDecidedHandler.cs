using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Domain;
using ContestPipeline.Payout.Extensions;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Handlers;

/// <summary>
/// An operator's release or reject. It can only move a payout: amount and recipient are not
/// in the message. A decision that no longer fits (the payout was paid meanwhile) changes
/// nothing and says so in an alert.
/// </summary>
public sealed class PayoutReviewDecidedHandler(PayoutOptions options) : MessageHandler<PayoutReviewDecided>
{
    public override async Task HandleAsync(PayoutReviewDecided d, HandlerContext context, CancellationToken ct)
    {
        var payout = await PayoutStore.FindAsync(context, d.PayoutId)
                     ?? throw new MessageRejectedException($"review decision {d.DecisionId}: unknown payout {d.PayoutId}");
        var now = context.Clock.GetUtcNow();
        var by = $"{d.Decision} by {d.Operator}: {d.Reason}";
        switch (d.Decision)
        {
            case PayoutReviewDecided.Release when payout.State == PayoutStates.Failed && payout.ReversedMinor > 0:
                Ignored(context, d, payout, "its transfer was reversed; reject it (the prize is withheld) and order the payment anew");
                break;
            case PayoutReviewDecided.Release when payout.State is PayoutStates.Held or PayoutStates.Failed or PayoutStates.AwaitingAccount:
                if (!await ReleaseApprovals.EnoughAsync(context, d, payout, options)) break;
                // Released payouts skip the review and limit gates, never the account or the balance.
                await PayoutStore.SaveAsync(context, payout, payout with
                {
                    State = PayoutStates.Waiting, HoldKind = null, Reason = by, Released = true, Rounds = 0, NextAttemptAt = now,
                });
                break;
            case PayoutReviewDecided.Reject when payout.State is PayoutStates.Waiting or PayoutStates.Held or PayoutStates.Failed
                or PayoutStates.AwaitingAccount:
                await PayoutStore.SaveAsync(context, payout, payout with { State = PayoutStates.Rejected, HoldKind = null, Reason = by });
                // What is withheld is what the winner is still owed: all of it, or what a reversal took back.
                var withheld = payout.TransferId is null ? payout.AmountMinor : payout.ReversedMinor;
                PayoutStore.PublishFact(context, payout, PayoutRejected.MessageIdFor(payout.PayoutId),
                    new PayoutRejected(payout.PayoutId, payout.ContestId, payout.PlayerId, withheld, payout.Currency, d.Operator, d.Reason, now));
                break;
            case PayoutReviewDecided.Release or PayoutReviewDecided.Reject:
                Ignored(context, d, payout, $"the payout is {payout.State}");
                break;
            default:
                throw new MessageRejectedException($"review decision {d.DecisionId}: decision '{d.Decision}' is neither release nor reject");
        }
    }

    private static void Ignored(HandlerContext context, PayoutReviewDecided d, PayoutRow payout, string why) =>
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Warning, "review_decision_ignored", payout.PayoutId,
            $"{d.Decision} of payout {payout.PayoutId} by {d.Operator} changed nothing: {why}", d.DecisionId);
}
