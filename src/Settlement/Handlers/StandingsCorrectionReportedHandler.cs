using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Store;

namespace ContestPipeline.Settlement.Handlers;

/// <summary>
/// A correction reported after COMPLETE: kept, and assessed for credit-only make-goods by
/// <see cref="Jobs.AssessMakeGoodsJob"/> once the contest's official prizes are fixed (SETTLED).
/// </summary>
public sealed class StandingsCorrectionReportedHandler : MessageHandler<StandingsCorrectionReported>
{
    public override Task HandleAsync(StandingsCorrectionReported report,
        HandlerContext context, CancellationToken ct) =>
        MakeGoodStore.RecordReportAsync(context, report, context.Incoming!.Envelope.MessageId);
}
