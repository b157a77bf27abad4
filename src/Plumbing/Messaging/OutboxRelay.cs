using Confluent.Kafka;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Publishes a schema's outbox to Kafka. One relay per schema is active at a time (a
/// transaction-scoped advisory lock): rows go out in id order through one idempotent producer, which keeps
/// per-key order. A round reads the rows above the relay's mark (and any that committed late in
/// a gap below it), produces them, and moves the mark past them in the same transaction after
/// Kafka acknowledged them (<see cref="RelayProgress"/>); the rows themselves are never written
/// again. A relay killed anywhere in between leaves the mark where it was; the rows are
/// published again, and the consumers' inbox drops the duplicates by message id. Rows for
/// internal topics are signed on the way out (<see cref="OutboxRelayOptions.Signer"/>): the
/// one place every message a worker publishes passes.
/// </summary>
public sealed class OutboxRelay(
    NpgsqlDataSource dataSource,
    IProducer<byte[]?, byte[]?> producer,
    OutboxRelayOptions options,
    CrashPoints crashPoints,
    ILogger<OutboxRelay> logger)
{
    private readonly string _table = SqlNames.Identifier(options.Schema) + ".outbox";
    private readonly string _progressTable = SqlNames.Identifier(options.Schema) + ".outbox_relay";
    private readonly string _gapsTable = SqlNames.Identifier(options.Schema) + ".outbox_gaps";
    private readonly string _unsentView = SqlNames.Identifier(options.Schema) + ".outbox_unsent";

    /// <summary>Publishes until cancelled; transient failures are logged and retried, never dropped.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        var sinceBacklog = System.Diagnostics.Stopwatch.StartNew();
        var backlogRead = false;
        using var gauge = PipelineTelemetry.ObserveBacklog(
            () => [new(Volatile.Read(ref _backlog), new KeyValuePair<string, object?>("schema", options.Schema))],
            () => [new(Volatile.Read(ref _oldestUnsentAgeSeconds),
                new KeyValuePair<string, object?>("schema", options.Schema))]);
        while (!ct.IsCancellationRequested)
        {
            if (!backlogRead || sinceBacklog.Elapsed > BacklogReadInterval)
            {
                backlogRead = true;
                sinceBacklog.Restart();
                await ReadBacklogAsync(ct);
            }
            int published;
            try
            {
                published = await PublishBatchAsync(ct);
                failures = 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is OutboxDeliveryException || ErrorPolicy.IsTransient(e))
            {
                failures++;
                var delay = Backoff.Exponential(
                    failures, Limits.OutboxFailureBackoffMs, Limits.OutboxFailureBackoffMsMax);
                logger.LogWarning(
                    "Outbox relay for {Schema} failed ({Failures} in a row), retrying in {DelayMs} ms: {Error}",
                    options.Schema, failures, (int)delay.TotalMilliseconds, e.Message);
                await Delay(delay, ct);
                continue;
            }
            if (published >= options.BatchSizeMax) continue;
            await Delay(options.PollInterval, ct);
        }
    }

    private static readonly TimeSpan BacklogReadInterval = TimeSpan.FromSeconds(10);
    private long _backlog;
    private double _oldestUnsentAgeSeconds;

    /// <summary>
    /// Rows not yet acknowledged and the oldest one's age, for the backlog gauges (read every 10 s, not per batch).
    /// </summary>
    private async Task ReadBacklogAsync(CancellationToken ct)
    {
        try
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            await using var cmd = new NpgsqlCommand(
                $"SELECT count(*), coalesce(extract(epoch FROM clock_timestamp() - min(created_at)), 0)::float8 "
                + $"FROM {_unsentView}", conn);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) return;
            Volatile.Write(ref _backlog, reader.GetInt64(0));
            Volatile.Write(ref _oldestUnsentAgeSeconds, reader.GetDouble(1));
        }
        catch (Exception e) when (ErrorPolicy.IsTransient(e) || e is InvalidOperationException)
        {
            // The relay's own loop reports an unreachable database; the gauge keeps its last value.
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Publishes at most one batch; returns the number of rows marked sent.</summary>
    public async Task<int> PublishBatchAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        try
        {
            return await PublishBatchOnAsync(conn, ct);
        }
        catch (Exception e) when (ErrorPolicy.ConnectionLost(conn, e))
        {
            // Postgres went away mid-batch: nothing is marked sent, and the rows go out again.
            throw new DatabaseConnectionLostException(e);
        }
    }

    private async Task<int> PublishBatchOnAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        var progress = await ReadProgressAsync(conn, tx, ct);
        if (progress is null) return 0;
        var (rows, horizon) = await ReadUnsentAsync(conn, tx, progress, ct);
        if (rows.Count == 0 && progress.Gaps.Count == 0) return 0;
        var readAt = System.Diagnostics.Stopwatch.GetTimestamp();

        var errors = rows.Count == 0 ? [] : await ProduceAllAsync(rows, ct);
        crashPoints.Reach(CrashPoints.RelayAfterProduce);

        var outcome = Outcome.Of(rows, errors);
        var step = RelayProgress.Next(progress.ReadThrough, progress.Gaps, [.. rows.Select(r => r.Id)],
            outcome.Sent.ToHashSet(), progress.RunningFrom, horizon);
        await SaveAsync(conn, tx, progress, step, outcome, ct);
        await tx.CommitAsync(ct);
        RecordLatency(rows, outcome.Sent, readAt);

        if (outcome.Failed.Count > 0)
            throw new OutboxDeliveryException(
                $"{outcome.Failed.Count} of {rows.Count} outbox messages not delivered: {outcome.FirstError}");
        return outcome.Sent.Count;
    }

    /// <summary>
    /// The relay's progress; null while another relay of this outbox holds the round (it skips the round rather than
    /// wait and send the same rows twice).
    /// </summary>
    private async Task<Progress?> ReadProgressAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
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
        cmd.Parameters.AddWithValue("key", LockKey(options.Schema));
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

    /// <summary>
    /// The rows found in the gaps, then at most one batch above the mark, in id order, with the first transaction id
    /// not yet handed out when they were read (the horizon of any gap this read leaves).
    /// </summary>
    private async Task<(List<Row> Rows, long Horizon)> ReadUnsentAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Progress progress, CancellationToken ct)
    {
        // The right plan above the mark is always the walk of the primary key in id order, stopping after one
        // batch. A young table has no statistics yet, and on a guess of a few rows the planner would instead
        // fetch every row above the mark and sort it, once per batch. The settings travel with the read, in one
        // round trip.
        var rows = new List<Row>(options.BatchSizeMax);
        var horizon = 0L;
        await using var select = new NpgsqlCommand($"""
            SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off;
            SELECT id, topic, message_key, payload, headers::text, header_bytes, message_id, message_type,
                   extract(epoch FROM clock_timestamp() - created_at)::float8,
                   (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
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
        select.Parameters.AddWithValue("n", options.BatchSizeMax);
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
            horizon = reader.GetInt64(9);
        }
        // Rows go out in id order: a gap's rows before the rows above the mark.
        rows.Sort((a, b) => a.Id.CompareTo(b.Id));
        return (rows, horizon);
    }

    /// <summary>The round's progress, written only when it moved or a delivery failed.</summary>
    private async Task SaveAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Progress progress,
        RelayProgress.Step step, Outcome outcome, CancellationToken ct)
    {
        var failed = outcome.Failed.Count > 0;
        if (!step.Changes(progress.ReadThrough) && !failed && progress.Failures == 0) return;
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
            Value = (object?)outcome.FirstError ?? DBNull.Value,
        });
        void AddArray(string name, long[] values) =>
            save.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = values });
        AddArray("removed", [.. step.Removed.Select(g => g.From)]);
        AddArray("added_from", [.. step.Added.Select(g => g.From)]);
        AddArray("added_to", [.. step.Added.Select(g => g.To)]);
        AddArray("added_horizon", [.. step.Added.Select(g => g.Horizon)]);
        await save.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The advisory lock a round holds: one relay of a schema at a time, and <see cref="OutboxRewind"/> between rounds.
    /// </summary>
    public static string LockKey(string schema) => "contestpipeline.relay:" + SqlNames.Identifier(schema) + ".outbox";

    private sealed record Progress(long ReadThrough, int Failures, List<OutboxGap> Gaps, long RunningFrom);

    private void RecordLatency(List<Row> rows, List<long> sent, long readAt)
    {
        if (!PipelineTelemetry.RelayLatency.Enabled) return;
        // Age when read (the database's clock) plus the time since: no clock skew between hosts.
        var since = System.Diagnostics.Stopwatch.GetElapsedTime(readAt).TotalSeconds;
        var schema = new KeyValuePair<string, object?>("schema", options.Schema);
        var sentIds = sent.ToHashSet();
        foreach (var row in rows)
            if (sentIds.Contains(row.Id)) PipelineTelemetry.RelayLatency.Record(row.AgeSeconds + since, schema);
    }

    /// <summary>Which rows of a batch count as sent, which failed, and the first reason.</summary>
    private sealed record Outcome(List<long> Sent, List<long> Failed, string? FirstError)
    {
        public static Outcome Of(List<Row> rows, string?[] errors)
        {
            // A row counts as sent only if every earlier row with the same key in this batch was
            // sent too; otherwise a later retry of the earlier one would overtake it.
            var sent = new List<long>(rows.Count);
            var failed = new List<long>();
            var blockedKeys = new HashSet<string>(StringComparer.Ordinal);
            string? firstError = null;
            for (var i = 0; i < rows.Count; i++)
            {
                var keyId = rows[i].Topic + "\0" + (rows[i].Key is null ? "" : Convert.ToBase64String(rows[i].Key!));
                if (errors[i] is null && !blockedKeys.Contains(keyId))
                {
                    sent.Add(rows[i].Id);
                    continue;
                }
                blockedKeys.Add(keyId);
                failed.Add(rows[i].Id);
                firstError ??= errors[i] ?? "an earlier message with the same key was not delivered";
            }
            return new Outcome(sent, failed, firstError);
        }
    }

    // Still in flight at the timeout: the outcome is unknown, so the rows stay unsent and go out again; a duplicate
    // is harmless downstream, a lost message is not.
    private Task<string?[]> ProduceAllAsync(List<Row> rows, CancellationToken ct) =>
        KafkaClients.ProduceAllAsync(producer, rows.Count, i =>
        {
            if (i == rows.Count / 2) crashPoints.Reach(CrashPoints.RelayMidProduce);
            var row = rows[i];
            IReadOnlyList<Header> written = row.Headers;
            if (options.Signer is { } signer && signer.Signs(row.Topic))
                written = signer.Sign(row.Topic, row.Key, written, row.Payload);
            return (row.Topic, new Message<byte[]?, byte[]?>
            {
                Key = row.Key, Value = row.Payload, Headers = KafkaClients.Headers(written),
            });
        }, options.DeliveryTimeout, ct);

    private static async Task Delay(TimeSpan delay, CancellationToken ct)
    {
        try { await Task.Delay(delay, ct); }
        catch (OperationCanceledException) { }
    }

    private sealed record Row(
        long Id, string Topic, byte[]? Key, byte[]? Payload, List<Header> Headers, double AgeSeconds);
}
