using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Controls;

/// <summary>
/// The emergency stop: an operator halts every automated transfer and refund, or resumes them.
/// It comes on <c>payouts.control</c>, its own topic with its own consumer, so a
/// <c>payouts.due</c> that is behind or stopped on a message does not hold it back. The jobs see
/// it at their next claim (within their dispatch interval); what is already being sent
/// completes. A halt always applies, however late it arrives, and becomes the halt in force
/// (a halt already applied once, replayed or re-driven, changes nothing). A resume names the
/// halt it ends and applies only while that halt is the one in force; otherwise it is refused
/// with its reason (dead-lettered, alerted), so a resume re-driven or replayed after a later
/// halt never lifts that halt. From <c>payouts.due</c>, where halts and resumes travelled
/// before: a halt applies as any halt, a resume is refused (it names no halt, and it may be
/// arriving long after it was decided); a resume signed longer ago than
/// <see cref="PayoutOptions.ApprovalLifetime"/> is refused (<see cref="DecisionAge"/>), a halt never is.
/// A halt made automatically after repeated disputes ends only when two
/// different operators have resumed it.
/// </summary>
public sealed class PayoutDispatchDecidedHandler(PayoutOptions options) : MessageHandler<PayoutDispatchDecided>
{
    public override async Task HandleAsync(PayoutDispatchDecided decision, HandlerContext context, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(decision.Operator) || string.IsNullOrWhiteSpace(decision.Reason))
            throw Refused(decision, "it must name its operator and reason");
        var topic = context.Incoming!.Topic;
        switch (decision.Action)
        {
            case PayoutDispatchDecided.Halt:
                if (!await DispatchStore.RecordHaltAsync(context, decision, topic)) return;
                // Over an automatic halt it keeps that halt's two-person rule: superseding is no way around it.
                await DispatchStore.KeepApprovalsNeededAsync(context, decision.DecisionId);
                // A halt while halted by another becomes the halt in force: a resume must name it.
                await DispatchStore.SetAsync(context, decision, halted: true);
                DispatchStore.PublishChanged(context, decision, halted: true);
                break;
            case PayoutDispatchDecided.Resume:
                if (topic != Topics.PayoutsControl)
                    throw Refused(decision, $"a resume on {topic} is no longer applied " +
                        "(it may arrive long after it was decided, and names no halt); resume with " +
                        "cpctl payouts resume " +
                        $"or the console, which name the halt in force on {Topics.PayoutsControl}");
                if (string.IsNullOrWhiteSpace(decision.Ends))
                    throw Refused(decision, "the resume names no halt it ends; " +
                        "resume with cpctl payouts resume or the console, which name the halt in force");
                if (DecisionAge.Refusal(decision.DecidedAt, context.Clock.GetUtcNow(), options.ApprovalLifetime)
                    is { } old)
                    throw Refused(decision, old);
                var (halted, inForce) = await DispatchStore.CurrentAsync(context);
                if (!halted)
                    throw Refused(decision,
                        $"it ends halt {decision.Ends}, and payouts are not halted (resumed by " +
                        $"{inForce ?? "nobody"}): nothing to resume");
                if (inForce != decision.Ends)
                {
                    var named = await DispatchStore.HaltAsync(context, decision.Ends);
                    var what = named is null ? "which was never applied"
                        : named.Value.EndedBy is { } by ? $"which {by} ended" : "which a later halt superseded";
                    throw Refused(decision, $"it ends halt {decision.Ends}, {what}; the halt in force is {inForce}: " +
                        "look again and resume that one if it should end");
                }
                if (!await EnoughApprovalsAsync(context, decision)) break;
                await DispatchStore.EndHaltAsync(context, decision.Ends, decision.DecisionId);
                await DispatchStore.SetAsync(context, decision, halted: false);
                DispatchStore.PublishChanged(context, decision, halted: false);
                break;
            default:
                throw Refused(decision, $"action '{decision.Action}' is neither halt nor resume");
        }
    }

    /// <summary>
    /// The two-person rule for a halt made automatically (after repeated disputes): a resume ends it only when two
    /// different operators have resumed it, their resumes counted as the approvals of a release are
    /// (<see cref="ApprovalStore"/>, under the halt's subject). A resume short of that is recorded as an approval
    /// and refused with its reason in a warning alert; the halt stays in force. True when the resume may apply.
    /// </summary>
    private async Task<bool> EnoughApprovalsAsync(HandlerContext context, PayoutDispatchDecided decision)
    {
        var haltId = decision.Ends!;
        var needed = await DispatchStore.ApprovalsNeededAsync(context, haltId);
        if (needed < 2) return true;
        // The approver is the operator whose own key signed the resume (the consume loop verified it).
        var approver = context.Incoming?.Operator ?? throw new InvariantViolatedException(
            $"resume {decision.DecisionId} of halt {haltId} came without a verified operator");
        var subject = DispatchStore.ApprovalSubject(haltId);
        var open = await ApprovalStore.AddAsync(context, new PayoutReviewDecided(decision.DecisionId, subject, "",
            PayoutReviewDecided.Release, decision.Operator, decision.Reason, decision.DecidedAt,
            DispatchStore.ApprovalHoldKind, HaltVersion), approver);
        var approvers = ReleaseApprovals.Counted(open, DispatchStore.ApprovalHoldKind, HaltVersion,
            context.Clock.GetUtcNow(), options.ApprovalLifetime);
        if (approvers.Count >= needed)
        {
            await ApprovalStore.UseAsync(context, subject);
            return true;
        }
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Warning, "payouts_resume_needs_second_operator", haltId,
            $"dispatch decision {decision.DecisionId} (resume by {decision.Operator}) not applied: " +
            $"halt {haltId} was made automatically and ends only when {needed} different operators resume it; " +
            $"approved by {string.Join(", ", approvers)} so far ({approvers.Count} of {needed}): payouts stay halted",
            decision.DecisionId);
        return false;
    }

    /// <summary>A halt has no versions: its resumes are approvals of version 0 of its subject.</summary>
    private const int HaltVersion = 0;

    private static MessageRejectedException Refused(PayoutDispatchDecided d, string why) =>
        new($"dispatch decision {d.DecisionId} ({d.Action} by {d.Operator}) refused: {why}", AlertSeverities.Warning);
}
