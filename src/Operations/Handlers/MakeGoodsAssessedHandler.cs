using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>Settlement's assessment of a correction reported after COMPLETE: what make-goods an approver may propose.</summary>
public sealed class MakeGoodsAssessedHandler : MessageHandler<MakeGoodsAssessed>
{
    public override async Task HandleAsync(MakeGoodsAssessed a, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.TimelineAsync(context, a.ContestId, "make_goods_assessed",
            $"make-goods assessed for correction report {a.CorrectionsSoFar}: {a.Items.Count} entries, {Money.Format(a.TotalMinor, a.Currency)}; {a.Note}");
        await ReadModelStore.ExecuteAsync(context, """
            INSERT INTO operations.make_goods (contest_id, corrections_so_far, assessment, assessed_at) VALUES (@ContestId, @CorrectionsSoFar, @json::jsonb, @AssessedAt)
            ON CONFLICT DO NOTHING
            """, new { a.ContestId, a.CorrectionsSoFar, json = ReadModelStore.Json(a), a.AssessedAt });
    }
}
