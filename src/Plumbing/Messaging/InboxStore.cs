using ContestPipeline.Plumbing.Database;
using Npgsql;
using NpgsqlTypes;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// A consumer's rows in its schema's inbox: one per message id it has applied or dead-lettered,
/// claimed in the same transaction as the message's effects (plumbing/0001, partitioned by month in
/// plumbing/0003), and with them the consumer's positions (plumbing/0008, <see cref="ConsumerPositionStore"/>).
/// </summary>
internal sealed class InboxStore(string schema, string consumer)
{
    private readonly string _inbox = SqlNames.Identifier(schema) + ".inbox";
    private readonly string _positions = SqlNames.Identifier(schema) + ".consumer_positions";

    /// <summary>
    /// Inserts the inbox rows and returns the ids that are new to this consumer, and those skipped because they
    /// were dead-lettered. A row left by an earlier dead-lettering is claimed again only by a delivery that
    /// carries a valid re-drive grant (<see cref="InboxItem.Granted"/>): a replay does not apply what was
    /// dead-lettered, an operator's re-drive does, once. Every partition's position moves past the batch
    /// (never back), whatever became of its messages.
    /// </summary>
    public async Task<(HashSet<string> Fresh, HashSet<string> DeadLettersSkipped)> ClaimAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<InboxItem> items)
    {
        // A message twice in the batch (a re-drive beside a replayed copy) is claimed through its granted copy.
        var distinct = items.OrderByDescending(i => i.Granted).DistinctBy(i => i.InboxId).ToList();
        await using var cmd = new NpgsqlCommand($"""
            SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0)))
            FROM (SELECT DISTINCT @consumer || '/' || t || '/' || p AS k
                  FROM unnest(@topics, @parts) AS x(t, p) ORDER BY 1) keys;
            WITH given AS (
                SELECT * FROM unnest(@ids, @topics, @parts, @offs, @outcomes, @granted)
                    WITH ORDINALITY AS u(id, topic, part, off, outcome, granted, ord)
            ), skipped AS (
                SELECT g.id FROM given g
                WHERE NOT g.granted AND EXISTS (SELECT 1 FROM {_inbox} i WHERE i.consumer = @consumer
                    AND i.message_id = g.id AND i.outcome = 'dead_lettered')
            ), input AS (
                SELECT * FROM given WHERE id NOT IN (SELECT id FROM skipped)
            ), advanced AS (
                INSERT INTO {_positions} AS p (consumer, topic, kafka_partition, next_offset)
                SELECT @consumer, t, p, o FROM unnest(@pos_topics, @pos_parts, @pos_next) AS x(t, p, o)
                ON CONFLICT (consumer, topic, kafka_partition) DO UPDATE
                    SET next_offset = GREATEST(p.next_offset, excluded.next_offset), updated_at = now()
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
            SELECT message_id, false FROM again UNION ALL SELECT message_id, false FROM fresh
            UNION ALL SELECT id, true FROM skipped
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
        AddArray("granted", NpgsqlDbType.Boolean, distinct.Select(i => i.Granted).ToArray());
        AddPositions(cmd, items);
        var fresh = new HashSet<string>(StringComparer.Ordinal);
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(CancellationToken.None);
        await reader.NextResultAsync(CancellationToken.None);
        while (await reader.ReadAsync(CancellationToken.None))
            (reader.GetBoolean(1) ? skipped : fresh).Add(reader.GetString(0));
        return (fresh, skipped);
    }

    /// <summary>Each partition's next position: past the last message of the batch read there.</summary>
    private static void AddPositions(NpgsqlCommand cmd, IReadOnlyList<InboxItem> items)
    {
        var positions = items.GroupBy(i => (i.Result.Topic, i.Result.Partition.Value))
            .Select(g => (g.Key.Topic, g.Key.Value, Next: g.Max(i => i.Result.Offset.Value) + 1)).ToList();
        cmd.Parameters.Add(new NpgsqlParameter("pos_topics", NpgsqlDbType.Array | NpgsqlDbType.Text)
            { Value = positions.Select(p => p.Topic).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("pos_parts", NpgsqlDbType.Array | NpgsqlDbType.Integer)
            { Value = positions.Select(p => p.Value).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("pos_next", NpgsqlDbType.Array | NpgsqlDbType.Bigint)
            { Value = positions.Select(p => p.Next).ToArray() });
    }
}
