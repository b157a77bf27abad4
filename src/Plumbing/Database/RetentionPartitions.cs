using Microsoft.Extensions.Logging;
using Npgsql;

namespace ContestPipeline.Plumbing.Database;

/// <summary>
/// Keeps a schema's inbox and outbox bounded (plumbing/0003): makes the coming partitions and
/// drops the expired ones, through the schema's retention_partitions function (the runtime role
/// may call it; only the migrator owns the tables). The inbox keeps a message id for as long as
/// Kafka can hand the message over again: the longest retention among the topics its consumers
/// read and their dead-letter topics. The outbox keeps sent rows a week; unsent ones stay.
/// </summary>
public sealed class RetentionPartitions(NpgsqlDataSource dataSource, string schema, TimeSpan inboxKeep, ILogger logger)
{
    public static readonly TimeSpan OutboxKeep = TimeSpan.FromHours(Limits.OutboxSentRetentionHours);

    /// <summary>
    /// How often a worker looks: partitions are a month (inbox) or a week (outbox) wide, and the
    /// next one always exists.
    /// </summary>
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    private readonly string _schema = SqlNames.Identifier(schema);
    private readonly RetentionStore _store = new(schema);

    /// <summary>
    /// One round for both tables; returns what was done (action, partition).
    /// <paramref name="now"/>: the database's clock when null.
    /// </summary>
    public async Task<IReadOnlyList<(string Table, string Action, string Partition)>> ApplyAsync(DateTimeOffset? now,
        CancellationToken ct)
    {
        var done = new List<(string, string, string)>();
        foreach (var (table, keep) in new[] { ("inbox", inboxKeep), ("outbox", OutboxKeep) })
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            var rows = await _store.ApplyAsync(conn, tx, table, keep, now);
            await tx.CommitAsync(ct);
            done.AddRange(rows.Select(r => (table, r.Action, r.Partition)));
        }
        return done;
    }

    /// <summary>
    /// Every <see cref="Interval"/> until cancelled; a failed round (a lock not granted in time, an
    /// outage) is logged and tried again.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                foreach (var (table, action, partition) in await ApplyAsync(null, ct))
                    logger.LogInformation("Retention {Schema}.{Table}: {Action} {Partition}", _schema, table, action,
                        partition);
            }
            catch (Exception e) when ((e is NpgsqlException || Messaging.ErrorPolicy.IsTransient(e))
                && !ct.IsCancellationRequested)
            {
                logger.LogWarning(
                    "Retention {Schema}: partitions not maintained this round, tried again in {Minutes} min: {Error}",
                    _schema, Interval.TotalMinutes, e.Message);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            try { await Task.Delay(Interval, ct); } catch (OperationCanceledException) { return; }
        }
    }
}
