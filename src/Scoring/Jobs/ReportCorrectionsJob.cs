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
        // One contest per run, all its unreported corrections at once: rebuilding a large
        // contest's board is the expensive part, and it is the same board for each of them.
        var contestId = await context.Connection.QueryFirstOrDefaultAsync<string>("""
            SELECT contest_id FROM scoring.corrections_after_complete WHERE reported_at IS NULL
            ORDER BY recorded_at, contest_id, game_id, sequence LIMIT 1 FOR UPDATE SKIP LOCKED
            """, transaction: context.Transaction);
        if (contestId is null) return;
        var rows = (await context.Connection.QueryAsync<CorrectionRow>("""
            SELECT contest_id, game_id, sequence, athlete_id, stat, previous_value, corrected_value
            FROM scoring.corrections_after_complete WHERE contest_id = @contestId AND reported_at IS NULL
            ORDER BY recorded_at, game_id, sequence FOR UPDATE
            """, new { contestId }, context.Transaction)).ToList();
        var reportedBefore = await context.Connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM scoring.corrections_after_complete WHERE contest_id = @contestId AND reported_at IS NOT NULL",
            new { contestId }, context.Transaction);

        var board = await CompleteContestsJob.LoadBoardAsync(context, contestId);
        var final = (await context.Connection.QueryAsync<StandingRow>("""
            SELECT rank, entry_id, player_id, score_milli FROM scoring.final_standings
            WHERE contest_id = @contestId ORDER BY rank, entry_id COLLATE "C"
            """, new { contestId }, context.Transaction)).ToList();
        var finalHash = await context.Connection.QueryFirstAsync<string>(
            "SELECT standings_hash FROM scoring.contests WHERE contest_id = @contestId", new { contestId }, context.Transaction);
        var changes = Diff(final, board.FinalStandings());
        var correctedHash = board.StandingsHash();

        var now = context.Clock.GetUtcNow();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var report = new StandingsCorrectionReported(contestId,
                new StatCorrectionRecorded(row.GameId, row.Sequence, row.AthleteId, row.Stat, row.PreviousValue, row.CorrectedValue),
                reportedBefore + i + 1, finalHash, correctedHash, changes.Count, [.. changes.Take(StandingsCorrectionReported.ChangesMax)], now);
            var id = StandingsCorrectionReported.MessageIdFor(contestId, row.GameId, row.Sequence);
            context.Publish(OutgoingMessage.Create(Topics.Standings, contestId,
                new Envelope(id, StandingsCorrectionReported.MessageType, StandingsCorrectionReported.SchemaVersion, contestId, null, now), report));
        }
        await context.Connection.ExecuteAsync(
            "UPDATE scoring.corrections_after_complete SET reported_at = @now WHERE contest_id = @contestId AND reported_at IS NULL",
            new { now, contestId }, context.Transaction);
    }

    /// <summary>
    /// Entries whose rank or score differ between the official and the corrected standings,
    /// the better of their two ranks first, then by entry id (ordinal).
    /// </summary>
    public static IReadOnlyList<StandingChange> Diff(IReadOnlyList<StandingRow> final, IReadOnlyList<StandingRow> corrected)
    {
        var correctedByEntry = corrected.ToDictionary(r => r.EntryId, StringComparer.Ordinal);
        var changes = new List<StandingChange>();
        foreach (var f in final)
            if (correctedByEntry.TryGetValue(f.EntryId, out var c) && (c.Rank != f.Rank || c.ScoreMilli != f.ScoreMilli))
                changes.Add(new StandingChange(f.EntryId, f.PlayerId, f.Rank, f.ScoreMilli, c.Rank, c.ScoreMilli));
        return [.. changes.OrderBy(c => Math.Min(c.FinalRank, c.CorrectedRank)).ThenBy(c => c.EntryId, StringComparer.Ordinal)];
    }

    private sealed record CorrectionRow(string ContestId, string GameId, long Sequence, string AthleteId, string Stat, long? PreviousValue, long CorrectedValue);
}
