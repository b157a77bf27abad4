using Dapper;
using Npgsql;

namespace ContestPipeline.PlayerApi.LoginLinks;

/// <summary>
/// The read API's side of payout.login_link_requests: it adds a request and reads the answer Payout writes; its role
/// may insert and read that table (and onboarding_link_requests) and nothing else of Payout's (Workers.Payout's
/// grants).
/// </summary>
public sealed class LoginLinkRequestStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Adds a request, unless the player already made <paramref name="limit"/> within <paramref name="window"/>
    /// before <paramref name="now"/>: then nothing is added, and the answer is how long until the oldest of those
    /// leaves the window. One player's requests are counted and added one at a time (a transaction-scoped advisory
    /// lock on the player), so instances of this API side by side keep the limit exactly.
    /// </summary>
    public async Task<TimeSpan?> TryAddAsync(string requestId, string playerId, DateTimeOffset now, int limit,
        TimeSpan window)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended('login-link:' || @playerId, 0))",
            new { playerId }, tx);
        var recent = (await conn.QueryAsync<DateTime>("""
            SELECT requested_at FROM payout.login_link_requests
            WHERE player_id = @playerId AND requested_at > @since ORDER BY requested_at DESC LIMIT @limit
            """, new { playerId, since = now - window, limit }, tx)).ToList();
        if (recent.Count >= limit)
            return new DateTimeOffset(DateTime.SpecifyKind(recent[^1], DateTimeKind.Utc)) + window - now;
        await conn.ExecuteAsync("""
            INSERT INTO payout.login_link_requests (request_id, player_id, requested_at)
            VALUES (@requestId, @playerId, @now)
            """, new { requestId, playerId, now }, tx);
        await tx.CommitAsync();
        return null;
    }

    public async Task<LoginLinkAnswer?> AnswerAsync(string requestId)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        return await conn.QueryFirstOrDefaultAsync<LoginLinkAnswer>(
            "SELECT outcome, url, reason FROM payout.login_link_requests WHERE request_id = @requestId",
            new { requestId });
    }
}
