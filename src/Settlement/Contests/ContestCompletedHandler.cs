using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Settlement.Contests;

/// <summary>
/// The result is final: OPEN → COMPLETE, with how many entries and standings chunks to wait
/// for. SettleContestsJob settles it once they are all here (they come on two topics, in any order).
/// </summary>
public sealed class ContestCompletedHandler : MessageHandler<ContestCompleted>
{
    public override async Task HandleAsync(ContestCompleted completed, HandlerContext context, CancellationToken ct)
    {
        var contest = await ContestStore.ContestAsync(context, completed.ContestId, forUpdate: true)
            ?? throw new MessageRejectedException($"contest {completed.ContestId} completed, but Settlement " +
                "never saw it scheduled");
        if (contest.State != SettlementState.Open)
        {
            // Already complete (the same fact under another message id) or past it: nothing to do.
            // A cancelled contest completing is another worker's broken promise.
            if (contest.State == SettlementState.Cancelled)
                throw new MessageRejectedException($"contest {completed.ContestId} completed, but it is CANCELLED " +
                    "and its entries refunded");
            return;
        }
        await ContestStore.MoveAsync(context, completed.ContestId, SettlementState.Open,
            SettlementState.Complete, completed, context.Incoming!.Envelope.MessageId);
    }
}
