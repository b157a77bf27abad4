using ContestPipeline.Plumbing.Database;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Writes outgoing messages into a schema's outbox inside the caller's transaction, so a
/// message exists if and only if the state change it announces committed.
/// </summary>
public sealed class OutboxStore(string schema)
{
    private readonly string _table = SqlNames.Identifier(schema) + ".outbox";
    private readonly Wakeup _wakeup = Wakeup.For(schema);

    /// <summary>
    /// Adds messages, in the given order, which is the relay's; one already present with the same
    /// outbox id and the same content is "already added" and skipped. The same id with other content
    /// is a bug in the caller (a deterministic id must name one fact) and throws. A run of messages
    /// marked <see cref="OutgoingMessage.New"/> is written by binary COPY instead, with no lookup.
    /// </summary>
    public async Task AddAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<OutgoingMessage> messages, CancellationToken ct)
    {
        for (var start = 0; start < messages.Count;)
        {
            var end = start + 1;
            while (end < messages.Count && messages[end].New == messages[start].New) end++;
            var run = end - start == messages.Count ? messages : [.. messages.Skip(start).Take(end - start)];
            if (messages[start].New) await CopyNewAsync(conn, tx, run, ct);
            else await AddUnlessAddedAsync(conn, tx, run, ct);
            start = end;
        }
        // Before the commit: the relay woken early polls at its fast pace until the rows are there.
        if (messages.Count > 0) _wakeup.Pulse();
    }

    /// <summary>
    /// New messages by binary COPY: no lookup of an earlier copy and no speculative insertion (10,000
    /// of a settlement's orders: about 55 ms of a backend against 75 as an INSERT that skips the already
    /// added). This week's duplicate is refused by the key and fails the transaction; the publisher's own
    /// unique row is what keeps an earlier week's away.
    /// </summary>
    private async Task CopyNewAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<OutgoingMessage> messages, CancellationToken ct)
    {
        // The transaction takes its id before it takes any outbox id: the relay's gaps rely on it (RelayProgress).
        await using (var xid = new NpgsqlCommand("SELECT pg_current_xact_id()", conn, tx))
            await xid.ExecuteScalarAsync(ct);
        await using var writer = await conn.BeginBinaryImportAsync(
            $"COPY {_table} (message_id, topic, message_key, message_type, payload, header_bytes) " +
            "FROM STDIN (FORMAT BINARY)", ct);
        foreach (var m in messages)
        {
            await writer.StartRowAsync(ct);
            await writer.WriteAsync(m.OutboxId, NpgsqlDbType.Text, ct);
            await writer.WriteAsync(m.Topic, NpgsqlDbType.Text, ct);
            await WriteBytesAsync(writer, m.Key, ct);
            await writer.WriteAsync(m.MessageType, NpgsqlDbType.Text, ct);
            await WriteBytesAsync(writer, m.Payload, ct);
            await writer.WriteAsync(OutboxHeaders.Write(m.Headers, m.OutboxId, m.MessageType), NpgsqlDbType.Bytea, ct);
        }
        await writer.CompleteAsync(ct);
    }

    private static async Task WriteBytesAsync(NpgsqlBinaryImporter writer, byte[]? bytes, CancellationToken ct)
    {
        if (bytes is null) await writer.WriteNullAsync(ct);
        else await writer.WriteAsync(bytes, NpgsqlDbType.Bytea, ct);
    }

    private async Task AddUnlessAddedAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<OutgoingMessage> messages, CancellationToken ct)
    {
        var ids = new string[messages.Count];
        var topics = new string[messages.Count];
        var keys = new byte[]?[messages.Count];
        var types = new string[messages.Count];
        var payloads = new byte[]?[messages.Count];
        var headers = new byte[]?[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            (ids[i], topics[i], keys[i], types[i], payloads[i], headers[i]) =
                (m.OutboxId, m.Topic, m.Key, m.MessageType, m.Payload,
                    OutboxHeaders.Write(m.Headers, m.OutboxId, m.MessageType));
        }

        // The transaction takes its id before it takes any outbox id: the relay's gaps rely on it
        // (RelayProgress). The outbox is partitioned by week (plumbing/0003), its message ids
        // unique within a week: this week's duplicates are turned away by the key, as ever (each
        // leaves an unused id, a gap the relay settles in a round or two), and ids written in an
        // earlier week are looked up (only those partitions are scanned) and skipped alike. Rows
        // are written in the given order, which is the relay's.
        await using var cmd = new NpgsqlCommand($"""
            SELECT pg_current_xact_id();
            WITH input AS (
                SELECT * FROM unnest(@ids, @topics, @keys, @types, @payloads, @headers)
                    WITH ORDINALITY AS u(id, topic, k, type, payload, headers, ord)
            ), earlier AS (
                SELECT message_id FROM {_table}
                WHERE message_id = ANY(@ids) AND bucket < (date_trunc('week', now() AT TIME ZONE 'UTC'))::date
            )
            INSERT INTO {_table} (message_id, topic, message_key, message_type, payload, header_bytes)
            SELECT id, topic, k, type, payload, headers FROM input
            WHERE id NOT IN (SELECT message_id FROM earlier) ORDER BY ord
            ON CONFLICT (message_id, bucket) DO NOTHING
            RETURNING message_id
            """, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = ids });
        cmd.Parameters.Add(new NpgsqlParameter("topics", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = topics });
        cmd.Parameters.Add(new NpgsqlParameter("keys", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = keys });
        cmd.Parameters.Add(new NpgsqlParameter("types", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = types });
        cmd.Parameters.Add(new NpgsqlParameter("payloads", NpgsqlDbType.Array | NpgsqlDbType.Bytea)
        {
            Value = payloads,
        });
        cmd.Parameters.Add(new NpgsqlParameter("headers", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = headers });

        var inserted = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct)) inserted.Add(reader.GetString(0));
        }
        if (inserted.Count == messages.Count) return;
        await CheckSkippedAsync(conn, tx, messages, inserted);
    }

    /// <summary>
    /// A message skipped as already added must be the one already there: the same id with other content is a bug.
    /// </summary>
    private async Task CheckSkippedAsync(NpgsqlConnection conn, NpgsqlTransaction tx,
        IReadOnlyList<OutgoingMessage> messages, HashSet<string> inserted)
    {
        var skipped = messages.Where(m => !inserted.Contains(m.OutboxId) && !m.FirstWins).ToList();
        if (skipped.Count == 0) return;
        var existing = (await conn.QueryAsync<(string MessageId, string Topic, byte[]? Payload)>(
            $"SELECT message_id, topic, payload FROM {_table} WHERE message_id = ANY(@ids)",
            new { ids = skipped.Select(m => m.OutboxId).ToArray() }, tx))
            .GroupBy(r => r.MessageId).ToDictionary(g => g.Key, g => g.First());
        foreach (var m in skipped)
        {
            // A message skipped because it appears twice in this call must also be identical.
            var found = existing[m.OutboxId];
            if (found.Topic != m.Topic || !(found.Payload ?? []).AsSpan().SequenceEqual(m.Payload ?? []))
                throw new OutboxConflictException(
                    $"outbox message {m.OutboxId} already exists with different content "
                    + $"(topic {found.Topic}, now {m.Topic})");
        }
    }
}
