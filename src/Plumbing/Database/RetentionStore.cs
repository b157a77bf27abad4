using Dapper;
using Npgsql;

namespace ContestPipeline.Plumbing.Database;

/// <summary>
/// The SQL of <see cref="RetentionPartitions"/>: one round of a table's partitions through the schema's
/// retention_partitions function (plumbing/0003), which the runtime role may call though only the
/// migrator owns the tables.
/// </summary>
internal sealed class RetentionStore(string schema)
{
    private readonly string _schema = SqlNames.Identifier(schema);

    /// <summary>
    /// Makes the coming partitions of <paramref name="table"/> and drops those expired for
    /// <paramref name="keep"/>; returns what was done (action, partition).
    /// </summary>
    public async Task<IEnumerable<(string Action, string Partition)>> ApplyAsync(NpgsqlConnection conn,
        NpgsqlTransaction tx, string table, TimeSpan keep, DateTimeOffset? now)
    {
        // Between two rounds of the relay, as a rewind of it is (Messaging.OutboxRewind): a partition found
        // all sent is not dropped after a rewind has made its rows unsent again.
        if (table == "outbox")
            await conn.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))",
                new { key = Messaging.OutboxRelay.LockKey(_schema) }, tx);
        return await conn.QueryAsync<(string Action, string Partition)>(
            "SELECT action, partition_name "
            + $"FROM {_schema}.retention_partitions(@table, @keep, coalesce(@now, now()))",
            new { table, keep, now }, tx);
    }
}
