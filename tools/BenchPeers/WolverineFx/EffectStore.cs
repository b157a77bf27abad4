using ContestPipeline.Local.Bench.Peer;
using Dapper;
using Npgsql;
using Wolverine;
using Wolverine.RDBMS;

namespace ContestPipeline.BenchPeers.WolverineFx;

/// <summary>
/// The peer's effect table (one row per message, as the pipeline's bench writes) beside Wolverine's own tables in
/// the run's schema, and the reads that check a run. A message's effect row and the update that marks its inbox
/// record handled commit in one transaction: what Wolverine's transactional middleware does for a handler on EF Core
/// (EfCoreEnvelopeTransaction.CommitAsync), done here by hand since raw Npgsql has no such middleware. The envelope
/// is then marked handled in memory, so that Wolverine does not mark it again in a transaction of its own.
/// </summary>
public sealed class EffectStore(NpgsqlDataSource dataSource, string schema)
{
    private long _applied;
    private readonly string _insertSql =
        $"INSERT INTO {schema}.bench_effects (message_id, k, payload_bytes, warm_up) VALUES (@id, @k, @n, @warmUp)";

    /// <summary>Messages applied (warm-up included) since the store was made, counted after each commit.</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>Wolverine's message store, once its host has started; no message arrives before.</summary>
    public IMessageDatabase? Inbox { get; set; }

    /// <summary>How long a handled inbox record is kept to recognise a redelivery (Wolverine's setting).</summary>
    public TimeSpan KeepAfterHandling { get; set; }

    public async Task CreateAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await conn.ExecuteAsync($"""
            CREATE SCHEMA {schema};
            CREATE TABLE {schema}.bench_effects (message_id uuid NOT NULL, k text NOT NULL,
                payload_bytes integer NOT NULL, warm_up boolean NOT NULL);
            """);
    }

    public async Task ApplyAsync(BenchMessageSent message, Envelope envelope, CancellationToken ct)
    {
        var inbox = Inbox
            ?? throw new InvalidOperationException("a message was handled before the peer's host started");
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(_insertSql,
            new { id = envelope.Id, k = message.Key, n = message.Body.Length, warmUp = message.WarmUp }, tx);
        await inbox.MarkIncomingEnvelopeAsHandledInTransactionAsync(conn, tx, envelope,
            DateTimeOffset.UtcNow.Add(KeepAfterHandling), ct);
        await tx.CommitAsync(ct);
        envelope.Status = EnvelopeStatus.Handled;
        Interlocked.Increment(ref _applied);
    }

    /// <summary>Outbox records Wolverine has not yet sent (it deletes each once Kafka acknowledged it).</summary>
    public async Task<long> UnsentAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM {schema}.wolverine_outgoing_envelopes");
    }

    /// <summary>The run's checks, read back once it has settled.</summary>
    public async Task<PeerRun> CheckAsync(TimeSpan elapsed, TimeSpan written, long appliedWhenWritten,
        CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var (rows, distinct, warm) = await conn.QueryFirstAsync<(long, long, long)>($"""
            SELECT count(*) FILTER (WHERE NOT warm_up), count(DISTINCT message_id) FILTER (WHERE NOT warm_up),
                   count(*) FILTER (WHERE warm_up)
            FROM {schema}.bench_effects
            """);
        var (handled, recordBytes) = await conn.QueryFirstAsync<(long, double)>($"""
            SELECT count(*) FILTER (WHERE status = @status), coalesce(avg(pg_column_size(e.*)), 0)::float8
            FROM {schema}.wolverine_incoming_envelopes e
            """, new { status = nameof(EnvelopeStatus.Handled) });
        var unsent = await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM {schema}.wolverine_outgoing_envelopes");
        return new PeerRun(elapsed, written, appliedWhenWritten, rows, distinct, warm, handled, recordBytes, unsent);
    }

    public async Task DropAsync()
    {
        await using var conn = await dataSource.OpenConnectionAsync(CancellationToken.None);
        await conn.ExecuteAsync($"DROP SCHEMA IF EXISTS {schema} CASCADE");
    }
}
