using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Contests;
using ContestPipeline.Settlement.Entries;

namespace ContestPipeline.Settlement.MakeGoods;

/// <summary>
/// Assesses each correction report of a settled contest for credit-only make-goods
/// (<see cref="MakeGoodRules.Assess"/>) and publishes the assessment on the contest's timeline
/// (MakeGoodsAssessed), for operators to propose and confirm. Nothing is booked here.
/// </summary>
public sealed class AssessMakeGoodsJob : IJob
{
    public const int ReportsPerRunMax = 10;

    public string Name => "assess-make-goods";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(500);

    public Task<bool> RunAsync(JobContext job, CancellationToken ct) => job.InTransactionAsync(Name, async context =>
    {
        var due = await MakeGoodStore.UnassessedAsync(context, ReportsPerRunMax);
        foreach (var (report, receivedBy) in due)
        {
            var contest = await ContestStore.ContestAsync(context, report.ContestId, forUpdate: false)
                ?? throw new InvariantViolatedException($"correction report for contest {report.ContestId}, which " +
                    "Settlement does not know");
            var assessment = MakeGoodRules.Assess(report, contest.Definition,
                await EntryStore.EntryFeesAsync(context, report.ContestId),
                await ContestStore.FinalStandingsAsync(context, report.ContestId),
                await MakeGoodStore.BookedAsync(context, report.ContestId),
                context.Clock.GetUtcNow());
            await MakeGoodStore.SaveAssessmentAsync(context, assessment);
            context.Publish(Cause.Recorded(report.ContestId, receivedBy), Topics.ContestLifecycle, report.ContestId,
                MakeGoodsAssessed.MessageIdFor(report.ContestId, report.CorrectionsSoFar), assessment);
        }
        return due.Count >= ReportsPerRunMax;
    }, ct);
}
