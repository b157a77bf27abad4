using System.Globalization;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Boards;
using ContestPipeline.Scoring.Corrections;

namespace ContestPipeline.Scoring.Stats;

/// <summary>
/// What <see cref="StatUpdatedHandler"/> and <see cref="StatCorrectedHandler"/> share: stat
/// values are cumulative, so a run of messages is written in one statement (the latest
/// sequence of each athlete's stat wins) and reaches the boards after commit. A stat for a
/// game of a COMPLETE contest is recorded and alerted, never applied to that contest's result.
/// </summary>
public abstract class StatsHandler<T> : BatchMessageHandler<T> where T : class, IMessage
{
    private readonly LiveBoards _boards;

    protected StatsHandler(LiveBoards boards) => _boards = boards;

    /// <summary>The stat a message carries.</summary>
    protected abstract StatFact Read(T message);

    public override Task HandleAsync(T message, HandlerContext context, CancellationToken ct) =>
        ApplyAsync(context, [Read(message)]);

    public override Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context,
        CancellationToken ct) =>
        ApplyAsync(context, [.. messages.Select(m => Read(m.Body<T>()))]);

    private async Task ApplyAsync(HandlerContext context, IReadOnlyList<StatFact> stats)
    {
        // Within a run an athlete's stat may change several times: the highest sequence is its value.
        var latest = new Dictionary<(string Game, string Athlete, string Stat), StatFact>();
        foreach (var s in stats)
            if (!latest.TryGetValue((s.GameId, s.AthleteId, s.Stat), out var seen) || seen.Sequence < s.Sequence)
                latest[(s.GameId, s.AthleteId, s.Stat)] = s;
        var rows = latest.Values.ToList();
        await RecordCorrectionsAfterCompleteAsync(context, rows);
        var applied = await StatStore.ApplyStatsAsync(context, rows);
        context.OnCommitted(() => _boards.ApplyStats(applied));
    }

    private static async Task RecordCorrectionsAfterCompleteAsync(HandlerContext context, List<StatFact> rows)
    {
        var completed = await CorrectionStore.CompleteContestsOfGamesAsync(context, rows.Select(r => r.GameId));
        foreach (var (contestId, gameId, cutoff) in completed)
        {
            // Play after a game stopped counting for the contest is not a correction of its result.
            foreach (var r in rows.Where(r => r.GameId == gameId && (cutoff is null || r.Sequence < cutoff)))
            {
                var previous = await StatStore.StatValueAsync(context, r.GameId, r.AthleteId, r.Stat);
                if (previous == r.Value) continue;
                await CorrectionStore.RecordCorrectionAfterCompleteAsync(context, contestId, r, previous);
                context.RaiseAlert(ScoringWorker.Name, AlertSeverities.Warning, "correction_after_complete", contestId,
                    $"contest {contestId} is COMPLETE; its result stands. Correction recorded: game {gameId} athlete "
                    + $"{r.AthleteId} {r.Stat} {previous?.ToString(CultureInfo.InvariantCulture) ?? "none"} -> "
                    + $"{r.Value} (sequence {r.Sequence})",
                    $"{contestId}:{gameId}:{r.Sequence}");
            }
        }
    }
}
