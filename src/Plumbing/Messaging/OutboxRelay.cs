using Confluent.Kafka;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;
using Microsoft.Extensions.Logging;
using Npgsql;
using Progress = ContestPipeline.Plumbing.Messaging.OutboxRelayStore.Progress;
using Row = ContestPipeline.Plumbing.Messaging.OutboxRelayStore.Row;

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
    private readonly OutboxRelayStore _store = new(options.Schema);

    /// <summary>Publishes until cancelled; transient failures are logged and retried, never dropped.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        var sinceBacklog = System.Diagnostics.Stopwatch.StartNew();
        var backlogRead = false;
        var wakeup = Wakeup.For(options.Schema);
        var idlePolls = 0;
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
            var seen = wakeup.Version;
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
            // Nothing found: poll slower each time, up to the idle pace, until this process writes again.
            idlePolls = published > 0 ? 0 : Math.Min(idlePolls + 1, 16);
            var idle = Wakeup.IdlePace(options.PollInterval, idlePolls, options.IdlePollMax);
            try { await wakeup.WaitAsync(seen, options.PollInterval, idle, TimeProvider.System, ct); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
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
            if (await _store.ReadBacklogAsync(conn, ct) is not { } backlog) return;
            Volatile.Write(ref _backlog, backlog.Rows);
            Volatile.Write(ref _oldestUnsentAgeSeconds, backlog.OldestAgeSeconds);
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
        var progress = await _store.ReadProgressAsync(conn, tx, LockKey(options.Schema), ct);
        if (progress is null) return 0;
        var rows = await _store.ReadUnsentAsync(conn, tx, progress, options.BatchSizeMax, ct);
        if (rows.Count == 0 && progress.Gaps.Count == 0) return 0;
        var readAt = System.Diagnostics.Stopwatch.GetTimestamp();

        var errors = rows.Count == 0 ? [] : await ProduceAllAsync(rows, ct);
        crashPoints.Reach(CrashPoints.RelayAfterProduce);

        // The horizon of a gap this round leaves: its own transaction id, handed out after the read (RelayProgress).
        // Only a round that read rows can leave one, and it writes its progress anyway, which takes that id.
        var horizon = rows.Count == 0 ? 0 : await _store.TakeTransactionIdAsync(conn, tx, ct);
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

    /// <summary>The round's progress, written only when it moved or a delivery failed.</summary>
    private async Task SaveAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Progress progress,
        RelayProgress.Step step, Outcome outcome, CancellationToken ct)
    {
        var failed = outcome.Failed.Count > 0;
        if (!step.Changes(progress.ReadThrough) && !failed && progress.Failures == 0) return;
        await _store.SaveAsync(conn, tx, step, failed, outcome.FirstError, ct);
    }

    /// <summary>
    /// The advisory lock a round holds: one relay of a schema at a time, and <see cref="OutboxRewind"/> between rounds.
    /// </summary>
    public static string LockKey(string schema) => "contestpipeline.relay:" + SqlNames.Identifier(schema) + ".outbox";

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

    // Still in flight at the timeout, or acknowledged only by implication (KafkaClients.ImpliedAck): the outcome is
    // unknown, so the rows stay unsent and go out again; a duplicate is harmless downstream, a lost message is not.
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
}
