using ContestPipeline.Plumbing.Database;
using Dapper;
using Npgsql;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// The SQL of <see cref="OutboxRewind"/>: the outbox rows of a time, the relay's mark and gaps moved back
/// under the relay's own lock, and what goes out again.
/// </summary>
internal sealed class OutboxRewindStore(string schema)
{
    private readonly string _schema = SqlNames.Identifier(schema);

    /// <summary>
    /// The first row written at or after <paramref name="from"/> and when the oldest row kept was written, in one
    /// pass over the partitions (no index serves a read by time).
    /// </summary>
    public Task<(long? First, DateTime? Oldest)> FirstFromAsync(NpgsqlConnection conn, DateTimeOffset from,
        CancellationToken ct)
    {
        return conn.QueryFirstAsync<(long?, DateTime?)>(new CommandDefinition(
            $"SELECT min(id) FILTER (WHERE created_at >= @from), min(created_at) FROM {_schema}.outbox",
            new { from = from.ToUniversalTime() }, cancellationToken: ct));
    }

    /// <summary>Waits for a relay round in progress, and holds the next one off, until the transaction ends.</summary>
    public Task LockRelayAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))",
            new { key = OutboxRelay.LockKey(_schema) }, tx, cancellationToken: ct));

    /// <summary>The relay's mark: every row at or below it is sent, but for the gaps.</summary>
    public Task<long> ReadThroughAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        return conn.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT read_through FROM {_schema}.outbox_relay", transaction: tx, cancellationToken: ct));
    }

    /// <summary>
    /// Moves the mark back to <paramref name="newReadThrough"/>. Gaps above the new mark are read again by the walk
    /// from it (which keeps any id still missing as a gap of its own); one reaching across it keeps its part below.
    /// </summary>
    public Task MoveMarkBackAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long newReadThrough,
        CancellationToken ct)
    {
        return conn.ExecuteAsync(new CommandDefinition($"""
            DELETE FROM {_schema}.outbox_gaps WHERE from_id > @newReadThrough;
            UPDATE {_schema}.outbox_gaps SET to_id = @newReadThrough WHERE to_id > @newReadThrough;
            UPDATE {_schema}.outbox_relay SET read_through = @newReadThrough, updated_at = now();
            """, new { newReadThrough }, tx, cancellationToken: ct));
    }

    /// <summary>
    /// The rows above <paramref name="newReadThrough"/> up to <paramref name="readThrough"/>, by topic.
    /// </summary>
    public async Task<List<(string, long)>> CountByTopicAsync(NpgsqlConnection conn, long newReadThrough,
        long readThrough, CancellationToken ct)
    {
        return (await conn.QueryAsync<(string, long)>(new CommandDefinition(
            $"SELECT topic, count(*) FROM {_schema}.outbox WHERE id > @newReadThrough AND id <= @readThrough "
            + "GROUP BY topic ORDER BY topic",
            new { newReadThrough, readThrough }, cancellationToken: ct))).ToList();
    }

    /// <summary>One row's message id and when it was written; null when the outbox no longer has it.</summary>
    public Task<(string MessageId, DateTime At)?> RowAsync(NpgsqlConnection conn, long id, CancellationToken ct)
    {
        return conn.QueryFirstOrDefaultAsync<(string MessageId, DateTime At)?>(new CommandDefinition(
            $"SELECT message_id, created_at FROM {_schema}.outbox WHERE id = @id", new { id }, cancellationToken: ct));
    }
}
