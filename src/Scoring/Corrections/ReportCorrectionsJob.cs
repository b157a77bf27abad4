using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Boards;
using ContestPipeline.Scoring.Contests;

namespace ContestPipeline.Scoring.Corrections;

/// <summary>
/// Reports each stat correction recorded after a contest was COMPLETE as a diff of its
/// standings: the official final standings (never changed) against the standings the stat
/// values now give, corrections included. One report per correction, cumulative, published on
/// <c>standings</c>; the result and the money stay as they were.
/// </summary>
public sealed class ReportCorrectionsJob : IJob
{
    public string Name => "report-corrections";
    public TimeSpan Interval => TimeSpan.FromSeconds(1);

    public Task<bool> RunAsync(JobContext job, CancellationToken ct) => job.InTransactionAsync(Name, async context =>
    {
        // One contest per run, all its unreported corrections at once: rebuilding a large
        // contest's board is the expensive part, and it is the same board for each of them.
        if (await CorrectionStore.UnreportedCorrectionsAsync(context) is not var (contestId, rows, reportedBefore))
            return false;
        var board = await BoardStore.LoadBoardAsync(context, contestId);
        var (final, finalHash) = await FinalStandingsStore.OfficialStandingsAsync(context, contestId);
        var changes = StandingsDiff.Of(final, board.FinalStandings());
        var correctedHash = board.StandingsHash();

        var now = context.Clock.GetUtcNow();
        var cause = Cause.Clock(Name, contestId);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            context.Publish(cause, Topics.Standings, contestId,
                StandingsCorrectionReported.MessageIdFor(contestId, row.GameId, row.Sequence),
                new StandingsCorrectionReported(contestId,
                    new StatCorrectionRecorded(row.GameId, row.Sequence, row.AthleteId, row.Stat, row.PreviousValue,
                        row.CorrectedValue),
                    reportedBefore + i + 1, finalHash, correctedHash, changes.Count,
                    [.. changes.Take(StandingsCorrectionReported.ChangesMax)], now));
        }
        await CorrectionStore.MarkCorrectionsReportedAsync(context, contestId);
        return true;
    }, ct);
}
