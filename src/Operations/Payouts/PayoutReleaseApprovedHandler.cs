using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Payouts;

/// <summary>
/// One approval of a release that needs two: the queue shows who approved and that a second approver is needed.
/// </summary>
public sealed class PayoutReleaseApprovedHandler : MessageHandler<PayoutReleaseApproved>
{
    public override async Task HandleAsync(PayoutReleaseApproved approval, HandlerContext context, CancellationToken ct)
    {
        if (approval.Approvals < approval.ApprovalsNeeded) await PayoutStore.PayoutApprovedAsync(context, approval);
        await MoneyHistoryStore.HistoryAsync(context, approval.PayoutId, approval.ContestId, "release_approved",
            $"approval {approval.Approvals} of {approval.ApprovalsNeeded}: {approval.Reason}",
            @operator: approval.Operator);
    }
}
