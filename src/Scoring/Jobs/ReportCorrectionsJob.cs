using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Scoring.Jobs;

/// <summary>
/// Reports each stat correction recorded after a contest was COMPLETE as a diff of its
/// standings: the official final standings (scoring.final_standings, never changed) against
/// the standings the stat values now give, corrections included. One report per correction,
/// cumulative, published on <c>standings</c>; the result and the money stay as they were.
/// </summary>
public sealed class ReportCorrectionsJob : IPeriodicJob
{
    public string Name => "report-corrections";
    public TimeSpan Interval => TimeSpan.FromSeconds(1);

    public async Task RunAsync(HandlerContext context, CancellationToken ct)
    {
        // One correction per run: rebuilding a large contest's board is the expensive part.
        var row = await context.Connection.QueryFirstOrDefaultAsync<CorrectionRow>("""
            SELECT contest_id, game_id, sequence, athlete_id, stat, previous_value, corrected_value
            FROM scoring.corrections_after_complete WHERE reported_at IS NULL
            ORDER BY recorded_at, contest_id, game_id, sequence LIMIT 1 FOR UPDATE SKIP LOCKED
            """, transaction: context.Transaction);
        if (row is null) return;

        var board = await CompleteContestsJob.LoadBoardAsync(context, row.ContestId);
        var corrected = board.FinalStandings();
        var final = (await context.Connection.QueryAsync<StandingRow>("""
            SELECT rank, entry_id, player_id, score_milli FROM scoring.final_standings
            WHERE contest_id = @ContestId ORDER BY rank, entry_id COLLATE "C"
            """, new { row.ContestId }, context.Transaction)).ToList();
        var finalHash = await context.Connection.QueryFirstAsync<string>(
            "SELECT standings_hash FROM scoring.contests WHERE contest_id = @ContestId", new { row.ContestId }, context.Transaction);
        var correctionsSoFar = await context.Connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM scoring.corrections_after_complete WHERE contest_id = @ContestId", new { row.ContestId }, context.Transaction);

        var changes = Diff(final, corrected);
        var now = context.Clock.GetUtcNow();
        var report = new StandingsCorrectionReported(row.ContestId,
            new StatCorrectionRecorded(row.GameId, row.Sequence, row.AthleteId, row.Stat, row.PreviousValue, row.CorrectedValue),
            correctionsSoFar, finalHash, board.StandingsHash(), changes.Count, [.. changes.Take(StandingsCorrectionReported.ChangesMax)], now);
        var id = StandingsCorrectionReported.MessageIdFor(row.ContestId, row.GameId, row.Sequence);
        context.Publish(OutgoingMessage.Create(Topics.Standings, row.ContestId,
            new Envelope(id, StandingsCorrectionReported.MessageType, StandingsCorrectionReported.SchemaVersion, row.ContestId, null, now), report));
        await context.Connection.ExecuteAsync("""
            UPDATE scoring.corrections_after_complete SET reported_at = @now
            WHERE contest_id = @ContestId AND game_id = @GameId AND sequence = @Sequence
            """, new { now, row.ContestId, row.GameId, row.Sequence }, context.Transaction);
    }

    /// <summary>
    /// Entries whose rank or score differ between the official and the corrected standings,
    /// the better of their two ranks first, then by entry id (ordinal).
    /// </summary>
    public static IReadOnlyList<StandingChange> Diff(IReadOnlyList<StandingRow> final, IReadOnlyList<StandingRow> corrected)
    {
        var now = corrected.ToDictionary(r => r.EntryId, StringComparer.Ordinal);
        return [.. final
            .Where(f => now.TryGetValue(f.EntryId, out var c) && (c.Rank != f.Rank || c.ScoreMilli != f.ScoreMilli))
            .Select(f => new StandingChange(f.EntryId, f.PlayerId, f.Rank, f.ScoreMilli, now[f.EntryId].Rank, now[f.EntryId].ScoreMilli))
            .OrderBy(c => Math.Min(c.FinalRank, c.CorrectedRank)).ThenBy(c => c.EntryId, StringComparer.Ordinal)];
    }

    private sealed record CorrectionRow(string ContestId, string GameId, long Sequence, string AthleteId, string Stat, long? PreviousValue, long CorrectedValue);
}
