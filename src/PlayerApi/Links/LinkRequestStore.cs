using Dapper;
using Npgsql;

namespace ContestPipeline.PlayerApi.Links;

/// <summary>
/// The read API's side of Payout's link requests (<see cref="LinkKind.Table"/>): it adds a request and reads the answer
/// Payout writes; its role may insert and read those tables and nothing else of Payout's (Workers.Payout's grants).
/// </summary>
public sealed class LinkRequestStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Adds a request, unless the player already made <see cref="LinkKind.Limit"/> of this kind within its window
    /// before <paramref name="now"/>: then nothing is added, and the answer is how long until the oldest of those
    /// leaves the window. One player's requests of a kind are counted and added one at a time (a transaction-scoped
    /// advisory lock on the kind and player, which needs no grant), so instances of this API side by side keep the
    /// limit exactly.
    /// </summary>
    public async Task<TimeSpan?> TryAddAsync(LinkKind kind, string requestId, string playerId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(kind);
        await using var conn = await dataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended(@lock || @playerId, 0))",
            new { @lock = kind.Name + "-link:", playerId }, tx);
        var recent = (await conn.QueryAsync<DateTime>($"""
            SELECT requested_at FROM {kind.Table}
            WHERE player_id = @playerId AND requested_at > @since ORDER BY requested_at DESC LIMIT @limit
            """, new { playerId, since = now - kind.Window, limit = kind.Limit }, tx)).ToList();
        if (recent.Count >= kind.Limit)
            return new DateTimeOffset(DateTime.SpecifyKind(recent[^1], DateTimeKind.Utc)) + kind.Window - now;
        await conn.ExecuteAsync($"""
            INSERT INTO {kind.Table} (request_id, player_id, requested_at) VALUES (@requestId, @playerId, @now)
            """, new { requestId, playerId, now }, tx);
        await tx.CommitAsync();
        return null;
    }

    public async Task<LinkAnswer?> AnswerAsync(LinkKind kind, string requestId)
    {
        ArgumentNullException.ThrowIfNull(kind);
        await using var conn = await dataSource.OpenConnectionAsync();
        var expiresAt = kind.Expires ? "expires_at" : "NULL::timestamptz AS expires_at";
        return await conn.QueryFirstOrDefaultAsync<LinkAnswer>(
            $"SELECT outcome, url, {expiresAt}, reason FROM {kind.Table} WHERE request_id = @requestId",
            new { requestId });
    }
}
