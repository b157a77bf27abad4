using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Operations.Contests;

namespace ContestPipeline.Operations.MakeGoods;

/// <summary>
/// Settlement's assessment of a correction reported after COMPLETE: what make-goods an approver may propose.
/// </summary>
public sealed class MakeGoodsAssessedHandler : MessageHandler<MakeGoodsAssessed>
{
    public override async Task HandleAsync(MakeGoodsAssessed assessed, HandlerContext context, CancellationToken ct)
    {
        await ContestStore.TimelineAsync(context, assessed.ContestId, "make_goods_assessed",
            $"make-goods assessed for correction report {assessed.CorrectionsSoFar}: {assessed.Items.Count} entries, " +
            $"{Money.Format(assessed.TotalMinor, assessed.Currency)}; {assessed.Note}");
        await MakeGoodStore.MakeGoodsAssessedAsync(context, assessed);
    }
}
