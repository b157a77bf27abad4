using System.Text.Json;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using Dapper;
using Npgsql;

namespace ContestPipeline.Settlement.Contests;

/// <summary>
/// Settlement's contests (settlement.contests), the final standings they are settled from
/// (settlement.standings_chunks) and their settle runs (settlement.settle_runs). A
/// contest's state changes only through <see cref="MoveAsync"/>, which checks the transition
/// against <see cref="SettlementLifecycle"/> and that exactly one row changed; anything else is a bug.
/// </summary>
public static class ContestStore
{
    // ---- contests ---------------------------------------------------------------------------

    /// <summary>
    /// Records a contest OPEN, or finds it recorded with the same definition (a redelivery); false when it is
    /// recorded with another.
    /// </summary>
    public static async Task<bool> InsertContestAsync(TransactionContext context, ContestDefined definition) =>
        await context.Connection.ExecuteScalarAsync<bool>("""
            WITH inserted AS (
                INSERT INTO settlement.contests (contest_id, definition, state) VALUES (@id, @definition::jsonb, @open)
                ON CONFLICT DO NOTHING RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM inserted)
                OR EXISTS (SELECT 1 FROM settlement.contests WHERE contest_id = @id AND definition = @definition::jsonb)
            """, new
        {
            id = definition.ContestId, definition = JsonSerializer.Serialize(definition, OutgoingMessage.Json),
            open = SettlementLifecycle.Name(SettlementState.Open),
        }, context.Transaction);

    public static async Task<ContestRow?> ContestAsync(TransactionContext context, string contestId, bool forUpdate)
    {
        var row = await context.Connection.QueryFirstOrDefaultAsync<(string State, string Definition, string? Completed,
            string? CompletedBy)?>($"""
            SELECT state, definition::text, completed::text, completed_by FROM settlement.contests
            WHERE contest_id = @contestId {(forUpdate ? "FOR UPDATE" : "")}
            """, new { contestId }, context.Transaction);
        if (row is not { } r) return null;
        return new ContestRow(contestId, SettlementLifecycle.Parse(contestId, r.State),
            JsonSerializer.Deserialize<ContestDefined>(r.Definition, OutgoingMessage.Json)!,
            r.Completed is null ? null : JsonSerializer.Deserialize<ContestCompleted>(r.Completed,
                OutgoingMessage.Json), r.CompletedBy);
    }

    /// <summary>
    /// Moves a contest from <paramref name="from"/> to <paramref name="to"/>, setting the
    /// column that records when (<c>settled_at</c>, <c>paid_at</c>) or what (<c>completed</c>).
    /// An illegal transition, or a row not in <paramref name="from"/>, is a bug.
    /// </summary>
    public static async Task MoveAsync(TransactionContext context, string contestId,
        SettlementState from, SettlementState to, ContestCompleted? completed = null, string? completedBy = null)
    {
        SettlementLifecycle.AssertTransition(contestId, from, to);
        var set = to switch
        {
            SettlementState.Complete => ", completed = @completed::jsonb, completed_by = @completedBy",
            SettlementState.Settled => ", settled_at = @now",
            SettlementState.Paid => ", paid_at = @now",
            _ => "",
        };
        var changed = await context.Connection.ExecuteAsync(
            $"UPDATE settlement.contests SET state = @to{set} WHERE contest_id = @contestId AND state = @from",
            new
            {
                contestId, from = SettlementLifecycle.Name(from), to = SettlementLifecycle.Name(to),
                now = context.Clock.GetUtcNow(),
                completed = completed is null ? null : JsonSerializer.Serialize(completed, OutgoingMessage.Json),
                completedBy,
            }, context.Transaction);
        if (changed != 1)
            throw new InvariantViolatedException($"contest {contestId} was not {SettlementLifecycle.Name(from)} when " +
                $"moving it to {SettlementLifecycle.Name(to)} ({changed} rows changed)");
        context.OnCommitted(() => PipelineTelemetry.ContestEntered("settlement", SettlementLifecycle.Name(to)));
    }

    /// <summary>
    /// COMPLETE contests being settled, or whose every standings chunk and entry has arrived, locked;
    /// those another transaction is settling are skipped.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ContestsReadyToSettleAsync(TransactionContext context, int limit) =>
        [.. await context.Connection.QueryAsync<string>("""
            SELECT c.contest_id FROM settlement.contests c
            WHERE c.state = @complete
              AND (EXISTS (SELECT 1 FROM settlement.settle_runs r WHERE r.contest_id = c.contest_id)
                   OR ((SELECT count(*) FROM settlement.standings_chunks s
                       WHERE s.contest_id = c.contest_id) >= (c.completed ->> 'standingsChunks')::int
                       AND (SELECT count(*) FROM settlement.entries e
                           WHERE e.contest_id = c.contest_id) >= (c.completed ->> 'entryCount')::int))
            ORDER BY c.contest_id LIMIT @limit FOR UPDATE OF c SKIP LOCKED
            """, new { complete = SettlementLifecycle.Name(SettlementState.Complete), limit }, context.Transaction)];

    /// <summary>
    /// SETTLED contests whose every payout is paid (transfer made, nothing reversed) or rejected, locked.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ContestsReadyToMarkPaidAsync(TransactionContext context,
        int limit) =>
        [.. await context.Connection.QueryAsync<string>("""
            SELECT c.contest_id FROM settlement.contests c
            WHERE c.state = @settled
              AND NOT EXISTS (SELECT 1 FROM settlement.payouts p WHERE p.contest_id = c.contest_id
                              AND NOT (p.transfer_id IS NOT NULL AND p.reversed_minor = 0) AND p.rejected_at IS NULL)
            ORDER BY c.contest_id LIMIT @limit FOR UPDATE OF c SKIP LOCKED
            """, new { settled = SettlementLifecycle.Name(SettlementState.Settled), limit }, context.Transaction)];

    // ---- final standings ----------------------------------------------------------------------

    /// <summary>
    /// Keeps a chunk of final standings, or finds it kept with the same count and rows (a redelivery); false when
    /// it is kept with others. The rows are kept as JSON text (settlement/0011); one kept before that as jsonb
    /// differs in spacing only, so text that differs is compared again as JSON.
    /// </summary>
    public static async Task<bool> InsertStandingsChunkAsync(TransactionContext context,
        FinalStandingsPublished chunk) =>
        await context.Connection.ExecuteScalarAsync<bool>("""
            WITH inserted AS (
                INSERT INTO settlement.standings_chunks (contest_id, chunk_index, chunk_count, rows)
                VALUES (@ContestId, @ChunkIndex, @ChunkCount, @rows)
                ON CONFLICT DO NOTHING RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM inserted)
                OR EXISTS (SELECT 1 FROM settlement.standings_chunks WHERE contest_id = @ContestId
                    AND chunk_index = @ChunkIndex AND chunk_count = @ChunkCount
                    AND (rows = @rows OR rows::jsonb = @rows::jsonb))
            """, new { chunk.ContestId, chunk.ChunkIndex, chunk.ChunkCount,
                rows = JsonSerializer.Serialize(chunk.Rows, OutgoingMessage.Json) },
            context.Transaction);

    public static async Task<IReadOnlyList<StandingRow>> FinalStandingsAsync(TransactionContext context,
        string contestId) =>
        [.. (await context.Connection.QueryAsync<string>(
            "SELECT rows FROM settlement.standings_chunks WHERE contest_id = @contestId ORDER BY chunk_index",
            new { contestId }, context.Transaction)).SelectMany(c => JsonSerializer.Deserialize<List<StandingRow>>(c,
            OutgoingMessage.Json)!)];

    /// <summary>
    /// The final standings, read chunk by chunk as UTF-8 (a million rows are about 80 MB of it, held
    /// only until each chunk is parsed, never as strings) and parsed on the pool, in chunk order.
    /// </summary>
    public static async Task<List<StandingRow>> FinalStandingsStreamedAsync(TransactionContext context,
        string contestId, int expectedRows)
    {
        // Parsed on the reading thread, a million rows held the server's sending: 2.8 s against 0.9 s to read alone.
        var parsing = new List<Task<List<StandingRow>>>();
        // Kept as text, sent as stored (as jsonb, printing a million rows took a backend 0.5 s); sorted first, so
        // that the first chunk is sent at once; each read as it comes, not buffered as a row.
        await using (var cmd = new NpgsqlCommand("""
            SELECT convert_to(rows, 'UTF8') FROM (SELECT chunk_index, rows FROM settlement.standings_chunks
                WHERE contest_id = @contestId ORDER BY chunk_index OFFSET 0) s
            """, context.Connection, context.Transaction))
        {
            cmd.Parameters.AddWithValue("contestId", contestId);
            await using var reader = await cmd.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess);
            while (await reader.ReadAsync())
            {
                var utf8 = await reader.GetFieldValueAsync<byte[]>(0);
                parsing.Add(Task.Run(() => JsonSerializer.Deserialize<List<StandingRow>>(utf8, OutgoingMessage.Json)!));
            }
        }
        var rows = new List<StandingRow>(expectedRows);
        foreach (var chunk in await Task.WhenAll(parsing)) rows.AddRange(chunk);
        return rows;
    }

    // ---- settlement in chunks -----------------------------------------------------------------

    /// <summary>
    /// A contest being settled in chunks: how many prizes, how many posted and ordered so far, and what the last chunk
    /// publishes.
    /// </summary>
    public sealed record SettleRun(string ContestId, int Awards, int Posted, ContestSettled Record, string Reason);

    public static async Task<SettleRun?> SettleRunAsync(TransactionContext context, string contestId)
    {
        var row = await context.Connection.QueryFirstOrDefaultAsync<(int Awards, int Posted,
            string Record, string Reason)?>(
            "SELECT awards, posted, record::text, reason FROM settlement.settle_runs WHERE contest_id = @contestId",
            new { contestId }, context.Transaction);
        return row is { } r
            ? new SettleRun(contestId, r.Awards, r.Posted, JsonSerializer.Deserialize<ContestSettled>(r.Record,
                OutgoingMessage.Json)!, r.Reason)
            : null;
    }

    public static async Task StartSettleRunAsync(TransactionContext context, string contestId, int awards,
        ContestSettled record, string reason) =>
        await context.Connection.ExecuteAsync("""
            INSERT INTO settlement.settle_runs (contest_id, awards, record, reason, started_at)
            VALUES (@contestId, @awards, @record::jsonb, @reason, @now)
            """, new { contestId, awards, record = JsonSerializer.Serialize(record, OutgoingMessage.Json), reason,
                now = context.Clock.GetUtcNow() },
            context.Transaction);

    /// <summary>
    /// Moves a settle run's cursor from <paramref name="from"/> to <paramref name="to"/>; any other cursor is a bug
    /// (two settlers, or a lost chunk).
    /// </summary>
    public static Task AdvanceSettleRunAsync(TransactionContext context, string contestId, int from, int to) =>
        ExpectOneAsync(context, "UPDATE settlement.settle_runs SET posted = @to " +
            "WHERE contest_id = @contestId AND posted = @from",
            new { contestId, from, to }, $"settle run of contest {contestId} was not at {from} when moving it to {to}");

    private static async Task ExpectOneAsync(TransactionContext context, string sql,
        object parameters, string otherwise)
    {
        var changed = await context.Connection.ExecuteAsync(sql, parameters, context.Transaction);
        if (changed != 1) throw new InvariantViolatedException($"{otherwise} ({changed} rows changed)");
    }
}
