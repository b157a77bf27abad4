using ContestPipeline.Plumbing.Database;
using Npgsql;
using NpgsqlTypes;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// A consumer's rows in its schema's inbox: one per message id it has applied or dead-lettered,
/// claimed in the same transaction as the message's effects (plumbing/0001, partitioned by month in
/// plumbing/0003).
/// </summary>
internal sealed class InboxStore(string schema, string consumer)
{
    private readonly string _inbox = SqlNames.Identifier(schema) + ".inbox";

    /// <summary>
    /// Inserts the inbox rows and returns the ids that are new to this consumer. A row
    /// left by an earlier dead-lettering is claimed again: a message that was never
    /// applied may be re-driven, or replayed after a fix, and then applies once.
    /// </summary>
    public async Task<HashSet<string>> ClaimAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<InboxItem> items)
    {
        var distinct = items.DistinctBy(i => i.InboxId).ToList();
        // The inbox is partitioned by month (plumbing/0003), its key unique within a month: this
        // month's rows are claimed through the key, as ever (ON CONFLICT), and rows of earlier
        // months are looked up first (only those partitions are scanned). The Kafka partitions of
        // the batch are locked, in order, so that two members of the group overlapping in a
        // rebalance claim a message one after the other even across a month's turn.
        await using var cmd = new NpgsqlCommand($"""
            SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0)))
            FROM (SELECT DISTINCT @consumer || '/' || t || '/' || p AS k
                  FROM unnest(@topics, @parts) AS x(t, p) ORDER BY 1) keys;
            WITH input AS (
                SELECT * FROM unnest(@ids, @topics, @parts, @offs, @outcomes)
                    WITH ORDINALITY AS u(id, topic, part, off, outcome, ord)
            ), earlier AS (
                SELECT message_id, outcome FROM {_inbox}
                WHERE consumer = @consumer AND message_id = ANY(@ids)
                  AND bucket < (date_trunc('month', now() AT TIME ZONE 'UTC'))::date
            ), again AS (
                UPDATE {_inbox} i
                SET outcome = u.outcome, topic = u.topic, kafka_partition = u.part, kafka_offset = u.off,
                    processed_at = now(), bucket = DEFAULT,
                    dead_letter_count = i.dead_letter_count + CASE WHEN u.outcome = 'dead_lettered' THEN 1 ELSE 0 END
                FROM input u
                WHERE i.consumer = @consumer
                  AND i.message_id = ANY(ARRAY(SELECT message_id FROM earlier WHERE outcome = 'dead_lettered'))
                  AND i.bucket < (date_trunc('month', now() AT TIME ZONE 'UTC'))::date
                  AND i.outcome = 'dead_lettered' AND u.id = i.message_id
                RETURNING i.message_id
            ), fresh AS (
                INSERT INTO {_inbox} AS i
                    (consumer, message_id, topic, kafka_partition, kafka_offset, outcome, dead_letter_count)
                SELECT @consumer, id, topic, part, off, outcome, CASE WHEN outcome = 'dead_lettered' THEN 1 ELSE 0 END
                FROM input WHERE id NOT IN (SELECT message_id FROM earlier) ORDER BY ord
                ON CONFLICT (consumer, message_id, bucket) DO UPDATE
                    SET outcome = excluded.outcome, topic = excluded.topic, kafka_partition = excluded.kafka_partition,
                        kafka_offset = excluded.kafka_offset, processed_at = now(),
                        dead_letter_count = i.dead_letter_count + excluded.dead_letter_count
                    WHERE i.outcome = 'dead_lettered'
                RETURNING i.message_id
            )
            SELECT message_id FROM again UNION ALL SELECT message_id FROM fresh
            """, conn, tx);
        cmd.Parameters.AddWithValue("consumer", consumer);
        void AddArray(string name, NpgsqlDbType type, Array values) =>
            cmd.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | type) { Value = values });
        AddArray("ids", NpgsqlDbType.Text, distinct.Select(i => i.InboxId).ToArray());
        AddArray("topics", NpgsqlDbType.Text, distinct.Select(i => i.Result.Topic).ToArray());
        AddArray("parts", NpgsqlDbType.Integer, distinct.Select(i => i.Result.Partition.Value).ToArray());
        AddArray("offs", NpgsqlDbType.Bigint, distinct.Select(i => i.Result.Offset.Value).ToArray());
        AddArray("outcomes", NpgsqlDbType.Text,
            distinct.Select(i => i.Rejection is null ? "applied" : "dead_lettered").ToArray());
        var fresh = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(CancellationToken.None);
        await reader.NextResultAsync(CancellationToken.None);
        while (await reader.ReadAsync(CancellationToken.None)) fresh.Add(reader.GetString(0));
        return fresh;
    }
}
