using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Operations.Contests;
using ContestPipeline.Operations.Decisions;

namespace ContestPipeline.Operations.MakeGoods;

/// <summary>An approver proposed make-goods; a second approver must confirm.</summary>
public sealed class MakeGoodProposedHandler : MessageHandler<MakeGoodProposed>
{
    public override async Task HandleAsync(MakeGoodProposed proposed, HandlerContext context, CancellationToken ct)
    {
        await MakeGoodStore.MakeGoodProposedAsync(context, proposed);
        await DecisionStore.DecisionAsync(context, "make-good-propose", proposed.Operator, proposed.ContestId,
            proposed.Reason,
            proposed.DecidedAt);
        await ContestStore.TimelineAsync(context, proposed.ContestId, "make_good_proposed",
            $"{proposed.Operator} proposed the make-goods of correction report {proposed.CorrectionsSoFar} " +
            $"({Money.Format(proposed.TotalMinor, proposed.Currency)}): {proposed.Reason}");
    }
}
