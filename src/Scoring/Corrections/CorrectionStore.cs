using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Stats;
using Dapper;

namespace ContestPipeline.Scoring.Corrections;

/// <summary>
/// Stat corrections that arrived after their contest was COMPLETE (corrections_after_complete): recorded as they
/// come, never applied to the result, and each reported once (<see cref="ReportCorrectionsJob"/>).
/// </summary>
public static class CorrectionStore
{
    /// <summary>
    /// The COMPLETE contests covering any of these games (a stat for them is a correction after the result), with,
    /// for a game that stopped counting for the contest, the sequence from which its stats are not the contest's.
    /// </summary>
    public static async Task<IReadOnlyList<(string ContestId, string GameId, long? CutoffSequence)>>
        CompleteContestsOfGamesAsync(TransactionContext context, IEnumerable<string> gameIds) =>
        [.. await context.Connection.QueryAsync<(string, string, long?)>("""
            SELECT cg.contest_id, cg.game_id, f.cutoff_sequence
            FROM scoring.contest_games cg JOIN scoring.contests c USING (contest_id)
            LEFT JOIN scoring.contest_game_freezes f ON f.contest_id = cg.contest_id AND f.game_id = cg.game_id
            WHERE cg.game_id = ANY(@games) AND c.state = @complete
            """, new { games = gameIds.Distinct().ToArray(), complete = ContestLifecycle.Name(ContestState.Complete) },
            context.Transaction)];

    public static Task RecordCorrectionAfterCompleteAsync(TransactionContext context, string contestId, StatFact r,
        long? previous) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO scoring.corrections_after_complete (contest_id, game_id, athlete_id, stat, sequence,
                previous_value, corrected_value, recorded_at)
            VALUES (@contestId, @GameId, @AthleteId, @Stat, @Sequence, @previous, @Value, @now) ON CONFLICT DO NOTHING
            """,
            new { contestId, r.GameId, r.AthleteId, r.Stat, r.Sequence, previous, r.Value,
                now = context.Clock.GetUtcNow() }, context.Transaction);

    /// <summary>
    /// The contest with the oldest unreported correction, locked, with all of its unreported corrections.
    /// </summary>
    public static async Task<(string ContestId, IReadOnlyList<CorrectionRow> Rows,
        int ReportedBefore)?> UnreportedCorrectionsAsync(TransactionContext context)
    {
        var contestId = await context.Connection.QueryFirstOrDefaultAsync<string>("""
            SELECT contest_id FROM scoring.corrections_after_complete WHERE reported_at IS NULL
            ORDER BY recorded_at, contest_id, game_id, sequence LIMIT 1 FOR UPDATE SKIP LOCKED
            """, transaction: context.Transaction);
        if (contestId is null) return null;
        var rows = (await context.Connection.QueryAsync<CorrectionRow>("""
            SELECT contest_id, game_id, sequence, athlete_id, stat, previous_value, corrected_value
            FROM scoring.corrections_after_complete WHERE contest_id = @contestId AND reported_at IS NULL
            ORDER BY recorded_at, game_id, sequence FOR UPDATE
            """, new { contestId }, context.Transaction)).ToList();
        var before = await context.Connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM scoring.corrections_after_complete WHERE contest_id = @contestId " +
            "AND reported_at IS NOT NULL",
            new { contestId }, context.Transaction);
        return (contestId, rows, before);
    }

    public static Task MarkCorrectionsReportedAsync(TransactionContext context, string contestId) =>
        context.Connection.ExecuteAsync(
            "UPDATE scoring.corrections_after_complete SET reported_at = @now WHERE contest_id = @contestId " +
            "AND reported_at IS NULL",
            new { now = context.Clock.GetUtcNow(), contestId }, context.Transaction);
}
