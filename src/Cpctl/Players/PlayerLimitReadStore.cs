using Dapper;
using Npgsql;

namespace ContestPipeline.Cpctl.Players;

/// <summary>A player's limits and their latest changes, read from Ingestion's tables as the reader role.</summary>
public sealed class PlayerLimitReadStore(NpgsqlDataSource dataSource)
{
    public sealed record Limits(long? DailyMinor, long? MonthlyMinor, long? RaisedDailyMinor,
        DateTimeOffset? RaisedDailyFrom, long? RaisedMonthlyMinor, DateTimeOffset? RaisedMonthlyFrom,
        string? Exclusion, DateTimeOffset? ExcludedUntil);

    public sealed record Change(DateTimeOffset RequestedAt, string RequestedBy, string? Outcome, string? Summary);

    public async Task<Limits?> LimitsAsync(string playerId)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        return await conn.QueryFirstOrDefaultAsync<Limits>("""
            SELECT daily_minor, monthly_minor, raised_daily_minor, raised_daily_from, raised_monthly_minor,
                   raised_monthly_from, exclusion, excluded_until
            FROM ingestion.player_limits WHERE player_id = @playerId
            """, new { playerId });
    }

    public async Task<IReadOnlyList<Change>> ChangesAsync(string playerId, int limit)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        return [.. await conn.QueryAsync<Change>("""
            SELECT requested_at, requested_by, outcome, summary FROM ingestion.player_limit_requests
            WHERE player_id = @playerId ORDER BY requested_at DESC LIMIT @limit
            """, new { playerId, limit })];
    }
}
