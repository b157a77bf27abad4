using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Operations.Contests;

namespace ContestPipeline.Operations.Standings;

/// <summary>A correction after COMPLETE: on the timeline with what it would have changed.</summary>
public sealed class StandingsCorrectionReportedHandler : MessageHandler<StandingsCorrectionReported>
{
    public override Task HandleAsync(StandingsCorrectionReported report, HandlerContext context, CancellationToken ct)
    {
        var c = report.Correction;
        var previous = c.PreviousValue?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";
        return ContestStore.TimelineAsync(context, report.ContestId, "correction_reported",
            $"correction {report.CorrectionsSoFar} after COMPLETE ({c.GameId} #{c.Sequence}: {c.AthleteId} {c.Stat} " +
            $"{previous} → {c.CorrectedValue}); the result stands; {report.ChangedCount} entries would change; " +
            $"corrected standings hash {report.CorrectedStandingsHash}");
    }
}
