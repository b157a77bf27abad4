using ContestPipeline.Plumbing.Database;
using Npgsql;
using NpgsqlTypes;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// A consumer's positions in its schema's <c>consumer_positions</c> (plumbing/0008): per partition, the offset it
/// resumes from. They move forward with the inbox rows (<see cref="InboxStore.ClaimAsync"/>, in the same
/// transaction); only the worker lowers them, applying an operator's signed rewind (<see cref="ConsumerRewinds"/>),
/// in the same transaction as it records the rewind applied. A committed offset moves them neither way.
/// </summary>
public sealed class ConsumerPositionStore(string schema, string consumer)
{
    private readonly string _table = SqlNames.Identifier(schema) + ".consumer_positions";

    /// <summary>The stored positions of <paramref name="partitions"/>; a partition without one is absent.</summary>
    public Dictionary<(string Topic, int Partition), long> Load(
        NpgsqlDataSource dataSource, IReadOnlyList<(string Topic, int Partition)> partitions)
    {
        using var conn = dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand($"""
            SELECT p.topic, p.kafka_partition, p.next_offset
            FROM {_table} p JOIN unnest(@topics, @parts) AS x(topic, part)
              ON p.topic = x.topic AND p.kafka_partition = x.part
            WHERE p.consumer = @consumer
            """, conn);
        cmd.Parameters.AddWithValue("consumer", consumer);
        cmd.Parameters.Add(new NpgsqlParameter("topics", NpgsqlDbType.Array | NpgsqlDbType.Text)
            { Value = partitions.Select(p => p.Topic).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("parts", NpgsqlDbType.Array | NpgsqlDbType.Integer)
            { Value = partitions.Select(p => p.Partition).ToArray() });
        var found = new Dictionary<(string, int), long>();
        using var reader = cmd.ExecuteReader();
        while (reader.Read()) found[(reader.GetString(0), reader.GetInt32(1))] = reader.GetInt64(2);
        return found;
    }

    /// <summary>
    /// Moves positions back to <paramref name="lowered"/> where they stand above it (never forward), in the
    /// caller's transaction; a partition without a position already starts at its beginning. Returns the
    /// partitions moved, with where each stood.
    /// </summary>
    public async Task<List<(string Topic, int Partition, long From, long To)>> LowerAsync(NpgsqlConnection conn,
        NpgsqlTransaction tx, IReadOnlyList<(string Topic, int Partition, long NextOffset)> lowered)
    {
        await using var cmd = new NpgsqlCommand($"""
            WITH wanted AS (SELECT * FROM unnest(@topics, @parts, @offs) AS x(topic, part, off)),
            old AS (
                SELECT p.topic, p.kafka_partition, p.next_offset FROM {_table} p
                JOIN wanted w ON p.topic = w.topic AND p.kafka_partition = w.part
                WHERE p.consumer = @consumer AND p.next_offset > w.off
                FOR UPDATE OF p
            )
            UPDATE {_table} p SET next_offset = w.off, updated_at = now()
            FROM wanted w, old o
            WHERE p.consumer = @consumer AND p.topic = w.topic AND p.kafka_partition = w.part
              AND o.topic = w.topic AND o.kafka_partition = w.part
            RETURNING p.topic, p.kafka_partition, o.next_offset, p.next_offset
            """, conn, tx);
        cmd.Parameters.AddWithValue("consumer", consumer);
        cmd.Parameters.Add(new NpgsqlParameter("topics", NpgsqlDbType.Array | NpgsqlDbType.Text)
            { Value = lowered.Select(p => p.Topic).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("parts", NpgsqlDbType.Array | NpgsqlDbType.Integer)
            { Value = lowered.Select(p => p.Partition).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("offs", NpgsqlDbType.Array | NpgsqlDbType.Bigint)
            { Value = lowered.Select(p => p.NextOffset).ToArray() });
        var moved = new List<(string, int, long, long)>();
        await using var reader = await cmd.ExecuteReaderAsync(CancellationToken.None);
        while (await reader.ReadAsync(CancellationToken.None))
            moved.Add((reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2), reader.GetInt64(3)));
        return moved;
    }
}
