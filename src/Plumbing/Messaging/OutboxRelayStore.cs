using ContestPipeline.Plumbing.Database;
using Npgsql;
using NpgsqlTypes;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// What the outbox relay reads and writes in its schema: the rows not yet sent, its mark
/// (<c>outbox_relay</c>) and its gaps (<c>outbox_gaps</c>), and the backlog its gauges show
/// (plumbing/0005, 0006). The relay holds the connection and the transaction; this holds the SQL.
/// </summary>
internal sealed class OutboxRelayStore(string schema)
{
    private readonly string _table = SqlNames.Identifier(schema) + ".outbox";
    private readonly string _progressTable = SqlNames.Identifier(schema) + ".outbox_relay";
    private readonly string _gapsTable = SqlNames.Identifier(schema) + ".outbox_gaps";
    private readonly string _unsentView = SqlNames.Identifier(schema) + ".outbox_unsent";

    /// <summary>The relay's progress as a round begins: its mark, its failures in a row, its gaps.</summary>
    public sealed record Progress(long ReadThrough, int Failures, List<OutboxGap> Gaps, long RunningFrom);

    /// <summary>One outbox row as the relay sends it.</summary>
    public sealed record Row(
        long Id, string Topic, byte[]? Key, byte[]? Payload, List<Header> Headers, double AgeSeconds);

    /// <summary>
    /// Rows not yet acknowledged and the oldest one's age in seconds; null when the view returns no row.
    /// </summary>
    public async Task<(long Rows, double OldestAgeSeconds)?> ReadBacklogAsync(NpgsqlConnection conn,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"SELECT count(*), coalesce(extract(epoch FROM clock_timestamp() - min(created_at)), 0)::float8 "
            + $"FROM {_unsentView}", conn);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return (reader.GetInt64(0), reader.GetDouble(1));
    }

    /// <summary>
    /// The relay's progress; null while another relay of this outbox holds the round (it skips the round rather than
    /// wait and send the same rows twice).
    /// </summary>
    public async Task<Progress?> ReadProgressAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string lockKey,
        CancellationToken ct)
    {
        // One relay at a time by a transaction-scoped advisory lock: unlike a row lock it takes no transaction id
        // and writes nothing, so a round that finds nothing to do costs no WAL and no commit to disk. The holder
        // alone writes the progress, and whoever held it before committed before letting go. In this order, each
        // statement with a snapshot of its own: the oldest transaction still running is read after the gaps and
        // before the rows (ReadUnsentAsync), which a gap's settling relies on (RelayProgress).
        await using var cmd = new NpgsqlCommand($"""
            SELECT pg_try_advisory_xact_lock(hashtextextended(@key, 0));
            SELECT read_through, failures FROM {_progressTable};
            SELECT from_id, to_id, horizon FROM {_gapsTable} ORDER BY from_id;
            SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint;
            """, conn, tx);
        cmd.Parameters.AddWithValue("key", lockKey);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        if (!reader.GetBoolean(0)) return null;
        await reader.NextResultAsync(ct);
        if (!await reader.ReadAsync(ct))
            throw new InvalidOperationException($"{_progressTable} has no row: the relay cannot tell what it "
                + "has sent (plumbing migration 0005 writes it)");
        var (readThrough, failures) = (reader.GetInt64(0), reader.GetInt32(1));
        await reader.NextResultAsync(ct);
        var gaps = new List<OutboxGap>();
        while (await reader.ReadAsync(ct))
            gaps.Add(new OutboxGap(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        return new Progress(readThrough, failures, gaps, reader.GetInt64(0));
    }

    /// <summary>The rows found in the gaps, then at most one batch above the mark, in id order.</summary>
    public async Task<List<Row>> ReadUnsentAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Progress progress, int batchSizeMax, CancellationToken ct)
    {
        // The right plan above the mark is always the walk of the primary key in id order, stopping after one
        // batch. A young table has no statistics yet, and on a guess of a few rows the planner would instead
        // fetch every row above the mark and sort it, once per batch. The settings travel with the read, in one
        // round trip.
        var rows = new List<Row>(batchSizeMax);
        await using var select = new NpgsqlCommand($"""
            SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off;
            SELECT id, topic, message_key, payload, headers::text, header_bytes, message_id, message_type,
                   extract(epoch FROM clock_timestamp() - created_at)::float8
            FROM (
                SELECT o.* FROM unnest(@from, @to) AS g(f, t) JOIN {_table} o ON o.id BETWEEN g.f AND g.t
                UNION ALL
                (SELECT * FROM {_table} WHERE id > @read_through ORDER BY id LIMIT @n)
            ) unsent
            """, conn, tx);
        select.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.Array | NpgsqlDbType.Bigint)
        {
            Value = progress.Gaps.Select(g => g.From).ToArray(),
        });
        select.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.Array | NpgsqlDbType.Bigint)
        {
            Value = progress.Gaps.Select(g => g.To).ToArray(),
        });
        select.Parameters.AddWithValue("read_through", progress.ReadThrough);
        select.Parameters.AddWithValue("n", batchSizeMax);
        await using var reader = await select.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new Row(
                reader.GetInt64(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<byte[]>(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<byte[]>(3),
                reader.IsDBNull(5)
                    ? HeaderJson.Read(reader.GetString(4))
                    : OutboxHeaders.Read(reader.GetFieldValue<byte[]>(5), reader.GetString(6), reader.GetString(7)),
                reader.GetDouble(8)));
        }
        // Rows go out in id order: a gap's rows before the rows above the mark.
        rows.Sort((a, b) => a.Id.CompareTo(b.Id));
        return rows;
    }

    /// <summary>
    /// The round's own transaction id, taken now: above the id of every transaction that began writing before the
    /// rows were read, so the horizon of any gap that read leaves (<see cref="RelayProgress"/>). A snapshot's xmax is
    /// not: it is one past the last transaction to finish, and a writer still running can hold an id at or above it,
    /// listed in no snapshot taken meanwhile and the oldest running in a later one's xmin (OutboxGapTests).
    /// </summary>
    public async Task<long> TakeTransactionIdAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_current_xact_id()::text::bigint", conn, tx);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The round's progress: the new mark, the gaps settled and left, and whether a delivery failed.</summary>
    public async Task SaveAsync(NpgsqlConnection conn, NpgsqlTransaction tx, RelayProgress.Step step, bool failed,
        string? firstError, CancellationToken ct)
    {
        await using var save = new NpgsqlCommand($"""
            UPDATE {_progressTable} SET read_through = @read_through, updated_at = now(),
                failures = CASE WHEN @failed THEN failures + 1 ELSE 0 END,
                last_error = coalesce(@error, last_error),
                last_error_at = CASE WHEN @failed THEN now() ELSE last_error_at END;
            DELETE FROM {_gapsTable} WHERE from_id = ANY(@removed);
            INSERT INTO {_gapsTable} (from_id, to_id, horizon)
            SELECT * FROM unnest(@added_from, @added_to, @added_horizon);
            """, conn, tx);
        save.Parameters.AddWithValue("read_through", step.ReadThrough);
        save.Parameters.AddWithValue("failed", failed);
        save.Parameters.Add(new NpgsqlParameter("error", NpgsqlDbType.Text)
        {
            Value = (object?)firstError ?? DBNull.Value,
        });
        void AddArray(string name, long[] values) =>
            save.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = values });
        AddArray("removed", [.. step.Removed.Select(g => g.From)]);
        AddArray("added_from", [.. step.Added.Select(g => g.From)]);
        AddArray("added_to", [.. step.Added.Select(g => g.To)]);
        AddArray("added_horizon", [.. step.Added.Select(g => g.Horizon)]);
        await save.ExecuteNonQueryAsync(ct);
    }
}
