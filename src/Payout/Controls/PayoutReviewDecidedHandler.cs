using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Disputes;
using ContestPipeline.Payout.Gates;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Controls;

/// <summary>
/// An operator's release or reject. It can only move a payout: amount and recipient are not
/// in the message. It names the hold it decides and the payout's version as the operator saw
/// them, and applies only to that: a decision that is stale (the payout moved on since: it
/// was paid, held for something else, or decided already), replayed or re-driven later is
/// refused with its reason (dead-lettered, with an alert), never applied to a hold the
/// operator did not see; so is one signed longer ago than <see cref="PayoutOptions.ApprovalLifetime"/>
/// (<see cref="DecisionAge"/>). A release waives the hold it released and nothing after it: for a
/// frozen prize, the freezes in force when it was released, so a refund or dispute that
/// arrives later freezes the prize again. A reject also stops a payout claimed for a transfer and
/// not yet called for; once its transfer may have been sent under its key
/// (<see cref="PayoutRow.MaybeSent"/>), the reject is refused and Stripe's answer decides.
/// </summary>
public sealed class PayoutReviewDecidedHandler(PayoutOptions options) : MessageHandler<PayoutReviewDecided>
{
    public override async Task HandleAsync(PayoutReviewDecided decision, HandlerContext context, CancellationToken ct)
    {
        if (decision.Decision is not (PayoutReviewDecided.Release or PayoutReviewDecided.Reject))
            throw Refused(decision, $"decision '{decision.Decision}' is neither release nor reject");
        var payout = await PayoutStore.FindAsync(context, decision.PayoutId)
            ?? throw Refused(decision, $"unknown payout {decision.PayoutId}");
        if (decision.HoldKind is null || decision.PayoutVersion is null)
            throw Refused(decision, "it names no hold and version; send it with cpctl payouts release|reject, which " +
                "names the hold it decides");
        if (DecisionAge.Refusal(decision.DecidedAt, context.Clock.GetUtcNow(), options.ApprovalLifetime) is { } old)
            throw Refused(decision, old);
        var current = Hold(payout);
        if (current != decision.HoldKind || payout.Version != decision.PayoutVersion)
            throw Refused(decision, $"stale: it decides payout {payout.PayoutId} {decision.HoldKind} at version " +
                $"{decision.PayoutVersion}, and the payout is {current} " +
                $"at version {payout.Version} now (decided or changed since); look again with cpctl " +
                "payouts list and decide anew");

        var now = context.Clock.GetUtcNow();
        var by = $"{decision.Decision} by {decision.Operator}: {decision.Reason}";
        switch (decision.Decision)
        {
            case PayoutReviewDecided.Release when payout.State == PayoutState.Failed && payout.ReversedMinor > 0:
                throw Refused(decision, "its transfer was reversed; reject it (the prize is withheld) and " +
                    "order the payment anew");
            case PayoutReviewDecided.Release
                when payout.State is PayoutState.Held or PayoutState.Failed or PayoutState.AwaitingAccount:
                if (!await EnoughApprovalsAsync(context, decision, payout)) break;
                // A release waives the gate of the hold it released, never the account or the balance.
                var waived = payout.State == PayoutState.Held
                    ? Waivers.ForRelease(payout.Hold!.Value,
                        await FreezeStore.InForceAsync(context, payout.PaymentIntentId))
                    : [];
                await PayoutStore.SaveAsync(context, payout, payout with
                {
                    State = PayoutState.Waiting, Hold = null, Reason = by, Released = true,
                    Waived = [.. payout.Waived.Union(waived, StringComparer.Ordinal)], Rounds = 0, NextAttemptAt = now,
                });
                break;
            case PayoutReviewDecided.Reject when payout.State == PayoutState.Submitting && payout.MaybeSent:
                throw Refused(decision, "its transfer may have been sent under its key already; only Stripe's " +
                    "answer to that key tells now (it is paid, or fails and comes back to you)");
            case PayoutReviewDecided.Reject when payout.Rejectable:
                await PayoutStore.SaveAsync(context, payout,
                    payout with { State = PayoutState.Rejected, Hold = null, Reason = by, LeaseUntil = null });
                // What is withheld is what the winner is still owed: all of it, or what a reversal took back.
                var withheld = payout.TransferId is null ? payout.AmountMinor : payout.ReversedMinor;
                PayoutStore.PublishFact(context, payout, PayoutRejected.MessageIdFor(payout.PayoutId),
                    new PayoutRejected(payout.PayoutId, payout.ContestId, payout.PlayerId, withheld, payout.Currency,
                        decision.Operator, decision.Reason, now));
                break;
            default:
                throw Refused(decision, $"the payout is {PayoutLifecycle.Name(payout.State)}: there is nothing " +
                    $"to {decision.Decision}");
        }
    }

    /// <summary>
    /// What a decision names as the hold it decides: the hold kind of a held payout, otherwise its state.
    /// </summary>
    public static string Hold(PayoutRow payout) =>
        payout.State == PayoutState.Held
            ? PayoutLifecycle.HoldName(payout.Hold!.Value)
            : PayoutLifecycle.Name(payout.State);

    /// <summary>
    /// The two-person rule, enforced here rather than only in the console: a release of a payout
    /// above <see cref="PayoutOptions.SecondApprovalAboveMinor"/> is applied only when two
    /// different operators, told apart by their own keys, have approved the hold it is in at its
    /// current version, each within <see cref="PayoutOptions.ApprovalLifetime"/> (<see cref="ReleaseApprovals"/>).
    /// A single release is recorded as the first approval
    /// (PayoutReleaseApproved on payouts.status) and changes nothing else. True when the release
    /// may be applied now; the approvals it spends are marked used.
    /// </summary>
    private async Task<bool> EnoughApprovalsAsync(HandlerContext context,
        PayoutReviewDecided decision, PayoutRow payout)
    {
        if (payout.AmountMinor <= options.SecondApprovalAboveMinor) return true;
        // The approver is the operator whose own key signed the decision (the consume loop verified it, and
        // refused a decision naming anyone else); a decision that reached here unverified is a bug.
        var approver = context.Incoming?.Operator ?? throw new InvariantViolatedException(
            $"release of payout {payout.PayoutId} (decision {decision.DecisionId}) came without a verified operator");
        var open = await ApprovalStore.AddAsync(context, decision, approver);
        var approvers = ReleaseApprovals.Counted(open, Hold(payout), payout.Version, context.Clock.GetUtcNow(),
            options.ApprovalLifetime);
        var count = Math.Min(approvers.Count, TwoOperators.Needed);
        PayoutStore.PublishFact(context, payout,
            PayoutReleaseApproved.MessageIdFor(payout.PayoutId, decision.DecisionId),
            new PayoutReleaseApproved(payout.PayoutId, payout.ContestId, decision.DecisionId,
                decision.Operator, decision.Reason, count, TwoOperators.Needed, context.Clock.GetUtcNow()));
        if (approvers.Count < TwoOperators.Needed) return false;
        await ApprovalStore.UseAsync(context, payout.PayoutId);
        return true;
    }

    private static MessageRejectedException Refused(PayoutReviewDecided decision, string why) =>
        new($"{decision.Decision} of payout {decision.PayoutId} by {decision.Operator} (decision " +
            $"{decision.DecisionId}) refused: {why}");
}
