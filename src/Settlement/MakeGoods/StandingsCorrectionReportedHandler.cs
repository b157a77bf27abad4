using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Settlement.MakeGoods;

/// <summary>
/// A correction reported after COMPLETE: kept, and assessed for credit-only make-goods by
/// <see cref="AssessMakeGoodsJob"/> once the contest's official prizes are fixed (SETTLED). The same report
/// again is a redelivery; another report under a kept one's contest and count is refused with a critical alert.
/// </summary>
public sealed class StandingsCorrectionReportedHandler : MessageHandler<StandingsCorrectionReported>
{
    public override async Task HandleAsync(StandingsCorrectionReported report,
        HandlerContext context, CancellationToken ct)
    {
        if (!await MakeGoodStore.RecordReportAsync(context, report, context.Incoming!.Envelope.MessageId))
            throw new MessageRejectedException($"correction report {report.CorrectionsSoFar} of contest "
                + $"{report.ContestId} is already kept with other content; refused, nothing changes",
                AlertSeverities.Critical);
    }
}
