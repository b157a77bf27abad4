using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>An approver proposed make-goods; a second approver must confirm.</summary>
public sealed class MakeGoodProposedHandler : MessageHandler<MakeGoodProposed>
{
    public override async Task HandleAsync(MakeGoodProposed proposed, HandlerContext context, CancellationToken ct)
    {
        await ContestStore.MakeGoodProposedAsync(context, proposed);
        await OperatorStore.DecisionAsync(context, "make-good-propose", proposed.Operator, proposed.ContestId,
            proposed.Reason,
            proposed.DecidedAt);
        await ContestStore.TimelineAsync(context, proposed.ContestId, "make_good_proposed",
            $"{proposed.Operator} proposed the make-goods of correction report {proposed.CorrectionsSoFar} " +
            $"({Money.Format(proposed.TotalMinor, proposed.Currency)}): {proposed.Reason}");
    }
}
