using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;
using Dapper;
using NpgsqlTypes;

namespace ContestPipeline.Scoring.Contests;

/// <summary>
/// A COMPLETE contest's official result: its final standings, written once by the referee, and the hashes of them
/// and of every input behind them. Never changed after; a later correction is reported against them.
/// </summary>
public static class FinalStandingsStore
{
    /// <summary>A COMPLETE contest's final standings and the hashes of them and of every input behind them.</summary>
    public static async Task WriteFinalStandingsAsync(TransactionContext context, string contestId,
        IReadOnlyList<StandingRow> rows, string standingsHash,
        string inputsHash, CancellationToken ct)
    {
        await using (var writer = await context.Connection.BeginBinaryImportAsync(
            "COPY scoring.final_standings (contest_id, rank, entry_id, player_id, score_milli) " +
            "FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var r in rows)
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
            "UPDATE scoring.contests SET standings_hash = @standingsHash, inputs_hash = @inputsHash " +
            "WHERE contest_id = @contestId",
            new { standingsHash, inputsHash, contestId }, context.Transaction);
    }

    public static async Task<(IReadOnlyList<StandingRow> Rows, string StandingsHash)> OfficialStandingsAsync(
        TransactionContext context, string contestId)
    {
        var rows = (await context.Connection.QueryAsync<StandingRow>("""
            SELECT rank, entry_id, player_id, score_milli FROM scoring.final_standings
            WHERE contest_id = @contestId ORDER BY rank, entry_id COLLATE "C"
            """, new { contestId }, context.Transaction)).ToList();
        var hash = await context.Connection.QueryFirstAsync<string>(
            "SELECT standings_hash FROM scoring.contests WHERE contest_id = @contestId", new { contestId },
            context.Transaction);
        return (rows, hash);
    }
}
