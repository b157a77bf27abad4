using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>One approval of a release that needs two: the queue shows who approved and that a second approver is needed.</summary>
public sealed class PayoutReleaseApprovedHandler : MessageHandler<PayoutReleaseApproved>
{
    public override async Task HandleAsync(PayoutReleaseApproved a, HandlerContext context, CancellationToken ct)
    {
        if (a.Approvals < a.ApprovalsNeeded)
            await ReadModelStore.ExecuteAsync(context,
                "UPDATE operations.payouts SET approvals = @Approvals, approved_by = @Operator WHERE payout_id = @PayoutId AND state = 'held'", a);
        await ReadModelStore.HistoryAsync(context, a.PayoutId, a.ContestId, "release_approved",
            $"approval {a.Approvals} of {a.ApprovalsNeeded}: {a.Reason}", @operator: a.Operator);
    }
}
