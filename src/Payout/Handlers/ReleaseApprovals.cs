using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Domain;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Handlers;

/// <summary>
/// The two-person rule, enforced here rather than only in the console: a release of a payout
/// above <see cref="PayoutOptions.SecondApprovalAboveMinor"/> is applied only when two
/// different operators have approved it. A single release is recorded as the first approval
/// (PayoutReleaseApproved on payouts.status) and changes nothing else.
/// </summary>
public static class ReleaseApprovals
{
    /// <summary>True when the release may be applied now; the approvals it spends are marked used.</summary>
    public static async Task<bool> EnoughAsync(HandlerContext context, PayoutReviewDecided d, PayoutRow payout, PayoutOptions options)
    {
        if (payout.AmountMinor <= options.SecondApprovalAboveMinor) return true;
        var approvers = await DispatchStore.ApproveAsync(context, d);
        var count = Math.Min(approvers.Count, TwoPersonRule.ApprovalsNeeded);
        PayoutStore.PublishFact(context, payout, PayoutReleaseApproved.MessageIdFor(payout.PayoutId, d.DecisionId),
            new PayoutReleaseApproved(payout.PayoutId, payout.ContestId, d.DecisionId, d.Operator, d.Reason, count, TwoPersonRule.ApprovalsNeeded,
                context.Clock.GetUtcNow()));
        if (approvers.Count < TwoPersonRule.ApprovalsNeeded) return false;
        await DispatchStore.UseApprovalsAsync(context, payout.PayoutId);
        return true;
    }
}
