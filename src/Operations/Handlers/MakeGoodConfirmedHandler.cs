using ContestPipeline.Contracts.Operations;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>A second approver confirmed make-goods (Settlement checks they are not the proposer).</summary>
public sealed class MakeGoodConfirmedHandler : MessageHandler<MakeGoodConfirmed>
{
    public override async Task HandleAsync(MakeGoodConfirmed confirmed, HandlerContext context, CancellationToken ct)
    {
        await ContestStore.MakeGoodConfirmedAsync(context, confirmed);
        await OperatorStore.DecisionAsync(context, "make-good-confirm", confirmed.Operator, confirmed.ContestId,
            confirmed.Reason,
            confirmed.DecidedAt);
        await ContestStore.TimelineAsync(context, confirmed.ContestId, "make_good_confirmed",
            $"{confirmed.Operator} confirmed make-good proposal {confirmed.ProposalId}: {confirmed.Reason}");
    }
}
