using Npgsql;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Moves an outbox relay's mark back to a time, so that the relay publishes again every row written since then,
/// in id order, through its own producer and signing keys (an operator's tool holds neither). It is how messages
/// lost on the broker (deleted by retention before a consumer read them: <c>messages_deleted_unread</c>) are sent
/// again while the outbox still keeps them: every topic the worker publishes, from that time; consumers' inboxes
/// skip what they applied. Only ever back: a rewind never marks an unsent row sent.
/// </summary>
public static class OutboxRewind
{
    /// <summary>
    /// What a rewind does, or would do: the mark before and after, the rows published again, the first of them (its
    /// message id and when it was written) and the oldest row the outbox still keeps.
    /// </summary>
    public sealed record Plan(long ReadThrough, long NewReadThrough, IReadOnlyList<(string Topic, long Rows)> ByTopic,
        DateTimeOffset? OldestKept)
    {
        public (string MessageId, DateTimeOffset WrittenAt)? First { get; init; }

        public long Rows => ByTopic.Sum(t => t.Rows);
        public bool Moves => NewReadThrough < ReadThrough;
    }

    /// <summary>
    /// Rewinds <paramref name="schema"/>'s relay to the first row written at or after <paramref name="from"/> (or
    /// only says what it would do). The mark moves under the relay's own lock, held only for that: a round in
    /// progress finishes first, and the next one reads from the new mark; retention, which takes the same lock, drops
    /// no partition in between. A row's time is its <c>created_at</c>: when the transaction that wrote it began,
    /// before the message reached Kafka.
    /// </summary>
    public static async Task<Plan> RunAsync(
        NpgsqlDataSource dataSource, string schema, DateTimeOffset from, bool dryRun, CancellationToken ct)
    {
        var store = new OutboxRewindStore(schema);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        // Outside the lock, the relay running meanwhile (no index serves a read by time): the first row of that time
        // and the oldest row kept, in one pass over the partitions. Rows are never written again, only dropped once
        // sent long ago.
        var (first, oldest) = await store.FirstFromAsync(conn, from, ct);

        long readThrough, newReadThrough;
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            if (!dryRun) await store.LockRelayAsync(conn, tx, ct);
            readThrough = await store.ReadThroughAsync(conn, tx, ct);
            newReadThrough = first is { } id ? Math.Min(readThrough, id - 1) : readThrough;
            if (!dryRun && newReadThrough < readThrough) await store.MoveMarkBackAsync(conn, tx, newReadThrough, ct);
            await tx.CommitAsync(ct);
        }

        // What goes out again, read after the lock is let go: those rows stay, unsent, until the relay has sent them.
        var byTopic = await store.CountByTopicAsync(conn, newReadThrough, readThrough, ct);
        return new Plan(readThrough, newReadThrough, byTopic, Utc(oldest))
        {
            // When the mark moves it moves to just below the first row of that time: that row goes out first.
            First = newReadThrough < readThrough ? await RowAsync(store, conn, first!.Value, ct) : null,
        };
    }

    private static async Task<(string, DateTimeOffset)?> RowAsync(
        OutboxRewindStore store, NpgsqlConnection conn, long id, CancellationToken ct)
    {
        var row = await store.RowAsync(conn, id, ct);
        return row is { } r ? (r.MessageId, Utc(r.At)!.Value) : null;
    }

    private static DateTimeOffset? Utc(DateTime? at) =>
        at is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;
}
