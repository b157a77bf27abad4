using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Lifecycle;
using ContestPipeline.Scoring.Runtime;
using System.Text.Json;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Scoring.Domain;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace ContestPipeline.Scoring.Jobs;

/// <summary>
/// COMPLETE: a LIVE contest whose covered games have all ended, and whose correction window
/// has passed, gets its final standings (stored, and published in chunks on
/// <c>standings</c>), the hash of those standings and of every input behind them, and its
/// transition. Its board is then dropped: a later correction is recorded, not applied.
/// </summary>
public sealed class CompleteContestsJob(ScoringState memory) : IPeriodicJob
{
    public string Name => "complete-contests";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(250);

    public async Task RunAsync(HandlerContext context, CancellationToken ct)
    {
        var now = context.Clock.GetUtcNow();
        // One contest per run keeps a run's transaction bounded; the next run takes the next.
        var contestId = await context.Connection.QueryFirstOrDefaultAsync<string>("""
            SELECT contest_id FROM scoring.contests
            WHERE state = 'LIVE' AND all_games_ended_at IS NOT NULL
              AND all_games_ended_at + make_interval(mins => (definition ->> 'statCorrectionWindowMinutes')::int) <= @now
            ORDER BY all_games_ended_at, contest_id LIMIT 1 FOR UPDATE SKIP LOCKED
            """, new { now }, context.Transaction);
        if (contestId is null) return;

        // The final result is a function of what is committed, never of the in-memory board,
        // which trails each commit by a moment: rebuild the board from the database.
        var board = await LoadBoardAsync(context, contestId);
        var final = (Rows: board.FinalStandings(), StandingsHash: board.StandingsHash(), InputsHash: board.InputsHash());

        await using (var writer = await context.Connection.BeginBinaryImportAsync(
            "COPY scoring.final_standings (contest_id, rank, entry_id, player_id, score_milli) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var r in final.Rows)
            {
                await writer.StartRowAsync(ct);
                await writer.WriteAsync(contestId, NpgsqlDbType.Text, ct);
                await writer.WriteAsync(r.Rank, NpgsqlDbType.Integer, ct);
                await writer.WriteAsync(r.EntryId, NpgsqlDbType.Text, ct);
                await writer.WriteAsync(r.PlayerId, NpgsqlDbType.Text, ct);
                await writer.WriteAsync(r.ScoreMilli, NpgsqlDbType.Bigint, ct);
            }
            await writer.CompleteAsync(ct);
        }
        await context.Connection.ExecuteAsync(
            "UPDATE scoring.contests SET standings_hash = @s, inputs_hash = @i WHERE contest_id = @contestId",
            new { s = final.StandingsHash, i = final.InputsHash, contestId }, context.Transaction);

        var chunks = final.Rows.Chunk(FinalStandingsPublished.RowsPerChunkMax).ToList();
        if (chunks.Count == 0) chunks.Add([]);
        for (var i = 0; i < chunks.Count; i++)
        {
            var id = FinalStandingsPublished.MessageIdFor(contestId, i);
            context.Publish(OutgoingMessage.Create(Topics.Standings, contestId,
                new Envelope(id, FinalStandingsPublished.MessageType, FinalStandingsPublished.SchemaVersion, contestId, null, now),
                new FinalStandingsPublished(contestId, i, chunks.Count, chunks[i])));
        }
        var completedId = ContestCompleted.MessageIdFor(contestId);
        context.Publish(OutgoingMessage.Create(Topics.ContestLifecycle, contestId,
            new Envelope(completedId, ContestCompleted.MessageType, ContestCompleted.SchemaVersion, contestId, null, now),
            new ContestCompleted(contestId, final.Rows.Count, chunks.Count, final.StandingsHash, final.InputsHash, now)));
        await Referee.TransitionAsync(context, memory, contestId, ContestState.Live, ContestState.Complete,
            $"every covered game ended; {final.Rows.Count} entries ranked");
    }

    /// <summary>A contest's board as the database has it: its definition, entries and the latest value of every covered stat.</summary>
    internal static async Task<ContestBoard> LoadBoardAsync(HandlerContext context, string contestId)
    {
        var json = await context.Connection.QueryFirstAsync<string>(
            "SELECT definition::text FROM scoring.contests WHERE contest_id = @contestId", new { contestId }, context.Transaction);
        var board = new ContestBoard(JsonSerializer.Deserialize<ContestDefined>(json, OutgoingMessage.Json)!);
        await using (var cmd = new NpgsqlCommand(
            "SELECT entry_id, player_id, lineup FROM scoring.entries WHERE contest_id = @contestId", context.Connection, context.Transaction))
        {
            cmd.Parameters.AddWithValue("contestId", contestId);
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                board.AddEntry(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<string[]>(2));
        }
        var stats = await context.Connection.QueryAsync<(string Game, string Athlete, string Stat, long Value)>("""
            SELECT s.game_id, s.athlete_id, s.stat, s.value FROM scoring.stat_values s
            JOIN scoring.contest_games cg ON cg.game_id = s.game_id AND cg.contest_id = @contestId
            """, new { contestId }, context.Transaction);
        foreach (var (game, athlete, stat, value) in stats) board.ApplyStat(game, athlete, stat, value);
        return board;
    }
}
