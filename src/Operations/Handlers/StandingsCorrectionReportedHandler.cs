using ContestPipeline.Contracts.Standings;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>A correction after COMPLETE: on the timeline with what it would have changed.</summary>
public sealed class StandingsCorrectionReportedHandler : MessageHandler<StandingsCorrectionReported>
{
    public override Task HandleAsync(StandingsCorrectionReported r, HandlerContext context, CancellationToken ct) =>
        ReadModelStore.TimelineAsync(context, r.ContestId, "correction_reported",
            $"correction {r.CorrectionsSoFar} after COMPLETE ({r.Correction.GameId} #{r.Correction.Sequence}: {r.Correction.AthleteId} {r.Correction.Stat} " +
            $"{r.Correction.PreviousValue?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} → {r.Correction.CorrectedValue}); the result stands; " +
            $"{r.ChangedCount} entries would change; corrected standings hash {r.CorrectedStandingsHash}");
}
