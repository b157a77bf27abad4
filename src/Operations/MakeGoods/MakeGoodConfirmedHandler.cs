using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Operations.Contests;
using ContestPipeline.Operations.Decisions;

namespace ContestPipeline.Operations.MakeGoods;

/// <summary>A second approver confirmed make-goods (Settlement checks they are not the proposer).</summary>
public sealed class MakeGoodConfirmedHandler : MessageHandler<MakeGoodConfirmed>
{
    public override async Task HandleAsync(MakeGoodConfirmed confirmed, HandlerContext context, CancellationToken ct)
    {
        await MakeGoodStore.MakeGoodConfirmedAsync(context, confirmed);
        await DecisionStore.DecisionAsync(context, "make-good-confirm", confirmed.Operator, confirmed.ContestId,
            confirmed.Reason,
            confirmed.DecidedAt);
        await ContestStore.TimelineAsync(context, confirmed.ContestId, "make_good_confirmed",
            $"{confirmed.Operator} confirmed make-good proposal {confirmed.ProposalId}: {confirmed.Reason}");
    }
}
