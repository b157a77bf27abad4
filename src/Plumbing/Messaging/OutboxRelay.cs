using Confluent.Kafka;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace ContestPipeline.Plumbing.Messaging;

public sealed class OutboxRelayOptions
{
    public required string Schema { get; init; }
    public int BatchSizeMax { get; init; } = Limits.OutboxBatchSizeMax;
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(Limits.OutboxPollIntervalMs);
    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromMilliseconds(Limits.OutboxDeliveryTimeoutMs);
    /// <summary>
    /// Signs every row bound for an internal topic as this worker's producer; rows for other
    /// topics (alerts, dead letters, canaries) go out as written. Without one nothing is
    /// signed, and consumers refuse whatever it publishes on an internal topic.
    /// </summary>
    public MessageSigner? Signer { get; init; }
}

/// <summary>
/// Publishes a schema's outbox to Kafka. One relay per schema is active at a time (a
/// transaction-scoped advisory lock): rows go out in id order through one idempotent
/// producer, which keeps per-key order. A batch is read with FOR UPDATE, produced, and
/// its rows are marked sent in the same transaction after Kafka acknowledged them. A
/// relay killed anywhere in between leaves the rows unsent; they are published again,
/// and the consumers' inbox drops the duplicates by message id. Rows for internal topics are
/// signed on the way out (<see cref="OutboxRelayOptions.Signer"/>): the one place every
/// message a worker publishes passes.
/// </summary>
public sealed class OutboxRelay(
    NpgsqlDataSource dataSource,
    IProducer<byte[]?, byte[]?> producer,
    OutboxRelayOptions options,
    CrashPoints crashPoints,
    ILogger<OutboxRelay> logger)
{
    private readonly string _table = SqlNames.Identifier(options.Schema) + ".outbox";

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
                + $"FROM {_table} WHERE sent_at IS NULL", conn);
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
        if (!await TryLockRelayAsync(conn, tx, ct)) return 0;
        var rows = await ReadUnsentAsync(conn, tx, ct);
        if (rows.Count == 0) return 0;
        var readAt = System.Diagnostics.Stopwatch.GetTimestamp();

        var errors = await ProduceAllAsync(rows, ct);
        crashPoints.Reach(CrashPoints.RelayAfterProduce);

        var outcome = Outcome.Of(rows, errors);
        await MarkAsync(conn, tx, outcome, ct);
        await tx.CommitAsync(ct);
        RecordLatency(rows, outcome.Sent, readAt);

        if (outcome.Failed.Count > 0)
            throw new OutboxDeliveryException(
                $"{outcome.Failed.Count} of {rows.Count} outbox messages not delivered: {outcome.FirstError}");
        return outcome.Sent.Count;
    }

    /// <summary>
    /// One relay per outbox at a time: a second one skips the batch rather than wait and send it twice.
    /// </summary>
    private async Task<bool> TryLockRelayAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        await using var lockCmd = new NpgsqlCommand(
            "SELECT pg_try_advisory_xact_lock(hashtextextended(@key, 0))", conn, tx);
        lockCmd.Parameters.AddWithValue("key", "contestpipeline.relay:" + _table);
        return (bool)(await lockCmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The oldest unsent rows, at most one batch, locked until the batch commits.</summary>
    private async Task<List<Row>> ReadUnsentAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        // The right plan is always the walk of outbox_unsent in id order, stopping after one
        // batch. A young table has no statistics yet, and on a guess of a few unsent rows the
        // planner would instead fetch every unsent row and sort it, once per batch: with a
        // backlog of 100,000 rows, 300 ms a batch instead of 10. The settings travel with the
        // read, in one round trip.
        var rows = new List<Row>(options.BatchSizeMax);
        await using var select = new NpgsqlCommand($"""
            SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off;
            SELECT id, topic, message_key, payload, headers::text, header_bytes, message_id, message_type,
                   extract(epoch FROM clock_timestamp() - created_at)::float8
            FROM {_table} WHERE sent_at IS NULL ORDER BY id LIMIT @n FOR UPDATE
            """, conn, tx);
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
        }
        return rows;
    }

    private async Task MarkAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Outcome outcome, CancellationToken ct)
    {
        await using var mark = new NpgsqlCommand($"""
            UPDATE {_table} SET sent_at = now(), attempts = attempts + 1 WHERE id = ANY(@sent);
            UPDATE {_table} SET attempts = attempts + 1, last_error = @error WHERE id = ANY(@failed);
            """, conn, tx);
        mark.Parameters.Add(new NpgsqlParameter("sent", NpgsqlDbType.Array | NpgsqlDbType.Bigint)
        {
            Value = outcome.Sent.ToArray(),
        });
        mark.Parameters.Add(new NpgsqlParameter("failed", NpgsqlDbType.Array | NpgsqlDbType.Bigint)
        {
            Value = outcome.Failed.ToArray(),
        });
        mark.Parameters.AddWithValue("error", (object?)outcome.FirstError ?? DBNull.Value);
        await mark.ExecuteNonQueryAsync(ct);
    }

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

    private async Task<string?[]> ProduceAllAsync(List<Row> rows, CancellationToken ct)
    {
        var errors = new string?[rows.Count];
        var pending = rows.Count;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var i = 0; i < rows.Count; i++)
        {
            if (i == rows.Count / 2) crashPoints.Reach(CrashPoints.RelayMidProduce);
            var index = i;
            var row = rows[i];
            IReadOnlyList<Header> written = row.Headers;
            if (options.Signer is { } signer && signer.Signs(row.Topic))
                written = signer.Sign(row.Topic, row.Key, written, row.Payload);
            var headers = KafkaClients.Headers(written);
            try
            {
                var kafkaMessage = new Message<byte[]?, byte[]?>
                {
                    Key = row.Key, Value = row.Payload, Headers = headers,
                };
                producer.Produce(row.Topic, kafkaMessage, report =>
                {
                    if (report.Error.IsError) errors[index] = report.Error.Reason;
                    if (Interlocked.Decrement(ref pending) == 0) done.TrySetResult();
                });
            }
            catch (ProduceException<byte[]?, byte[]?> e)
            {
                errors[index] = e.Error.Reason;
                if (Interlocked.Decrement(ref pending) == 0) done.TrySetResult();
            }
        }
        producer.Flush(TimeSpan.Zero);
        try
        {
            await done.Task.WaitAsync(options.DeliveryTimeout, ct);
        }
        catch (TimeoutException)
        {
            // Still in flight: the outcome is unknown, so the rows stay unsent and go out
            // again; a duplicate is harmless downstream, a lost message is not.
            for (var i = 0; i < errors.Length; i++) errors[i] ??= "delivery not confirmed in time";
        }
        return errors;
    }

    private static async Task Delay(TimeSpan delay, CancellationToken ct)
    {
        try { await Task.Delay(delay, ct); }
        catch (OperationCanceledException) { }
    }

    private sealed record Row(
        long Id, string Topic, byte[]? Key, byte[]? Payload, List<Header> Headers, double AgeSeconds);
}

public sealed class OutboxDeliveryException(string message) : Exception(message);
