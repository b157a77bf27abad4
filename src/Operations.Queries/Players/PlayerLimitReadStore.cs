using ContestPipeline.Rules.Players;
using Dapper;
using Npgsql;

namespace ContestPipeline.Operations.Queries.Players;

/// <summary>
/// A player's responsible-gaming limits for the player API and cpctl, in Ingestion's tables: the limits as
/// Ingestion keeps them (ingestion.player_limits), their changes (ingestion.player_limit_requests), and a new request
/// from the platform, which Ingestion applies and answers. The player API's role may add a request and read both
/// tables, the reader role read them (Workers.Ingestion's grants); Ingestion itself writes them in its own store.
/// </summary>
public sealed class PlayerLimitReadStore(NpgsqlDataSource db) : ReadStore(db)
{
    /// <summary>One change as asked and answered: <c>applied</c>, <c>refused</c>, or null while it waits.</summary>
    public sealed record Change(string RequestId, DateTimeOffset RequestedAt, string RequestedBy, string? Outcome,
        string? Summary);

    /// <summary>
    /// The player's limits as they stand at <paramref name="now"/> (<see cref="LimitRules.Matured"/>: a raise whose
    /// cooling-off is over is the limit), or null when the player has never had any set (the platform's defaults).
    /// </summary>
    public async Task<PlayerLimits?> LimitsAsync(string playerId, DateTimeOffset now)
    {
        var row = await OneAsync<PlayerLimits>("""
            SELECT daily_minor, monthly_minor, raised_daily_minor, raised_daily_from, raised_monthly_minor,
                   raised_monthly_from, exclusion, excluded_until
            FROM ingestion.player_limits WHERE player_id = @playerId
            """, new { playerId });
        return row is null ? null : LimitRules.Matured(row, now);
    }

    public Task<List<Change>> ChangesAsync(string playerId, int limit) => ListAsync<Change>("""
        SELECT request_id, requested_at, requested_by, outcome, summary FROM ingestion.player_limit_requests
        WHERE player_id = @playerId ORDER BY requested_at DESC, request_id DESC LIMIT @limit
        """, new { playerId, limit });

    public Task<Change?> ChangeAsync(string requestId) => OneAsync<Change>("""
        SELECT request_id, requested_at, requested_by, outcome, summary FROM ingestion.player_limit_requests
        WHERE request_id = @requestId
        """, new { requestId });

    /// <summary>
    /// Adds a request for Ingestion to apply (its caller checked <see cref="LimitRules.Problem"/>) unless the player
    /// has <paramref name="limit"/> requests by <paramref name="requestedBy"/> within <paramref name="window"/>: then
    /// nothing is added, and the answer is how long until the oldest of them leaves the window.
    /// </summary>
    public async Task<TimeSpan?> TryAddRequestAsync(string requestId, string playerId, LimitRequest change,
        string requestedBy, DateTimeOffset now, int limit, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(change);
        await using var conn = await DataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended('limit-requests:' || @playerId, 0))",
            new { playerId }, tx);
        var recent = (await conn.QueryAsync<DateTime>("""
            SELECT requested_at FROM ingestion.player_limit_requests
            WHERE player_id = @playerId AND requested_at > @since AND requested_by = @requestedBy
            ORDER BY requested_at DESC LIMIT @limit
            """, new { playerId, since = now - window, requestedBy, limit }, tx)).ToList();
        if (recent.Count >= limit)
            return new DateTimeOffset(DateTime.SpecifyKind(recent[^1], DateTimeKind.Utc)) + window - now;
        await conn.ExecuteAsync("""
            INSERT INTO ingestion.player_limit_requests (request_id, player_id, daily_minor, monthly_minor, exclusion,
                exclusion_days, requested_by, requested_at)
            VALUES (@requestId, @playerId, @DailyMinor, @MonthlyMinor, @Exclusion, @ExclusionDays, @requestedBy, @now)
            """, new
        {
            requestId, playerId, change.DailyMinor, change.MonthlyMinor, change.Exclusion, change.ExclusionDays,
            requestedBy, now,
        }, tx);
        await tx.CommitAsync();
        return null;
    }
}
