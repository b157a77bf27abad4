using System.Text.Json.Serialization;
using Dapper;
using Npgsql;

namespace ContestPipeline.PlayerApi.Limits;

/// <summary>
/// The read API's side of a player's responsible-gaming limits: it adds a request to change them
/// (ingestion.player_limit_requests), reads Ingestion's answer, and reads the limits as they stand
/// (ingestion.player_limits); its role may do that and nothing else of Ingestion's (Workers.Ingestion's grants).
/// </summary>
public sealed class LimitRequestStore(NpgsqlDataSource dataSource)
{
    /// <summary>Who asked, as recorded with every request this API adds: the platform, for the player.</summary>
    public const string RequestedBy = "platform";

    /// <summary>The request's body: any of its fields; one it does not know is refused, not ignored.</summary>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    public sealed record Body
    {
        public long? DailyLimitMinor { get; init; }
        public long? MonthlyLimitMinor { get; init; }
        public string? Exclusion { get; init; }
        public int? ExclusionDays { get; init; }
    }

    public sealed record Answer(string? Outcome, string? Summary);

    public sealed record Stored(long? DailyMinor, long? MonthlyMinor, long? RaisedDailyMinor,
        DateTimeOffset? RaisedDailyFrom, long? RaisedMonthlyMinor, DateTimeOffset? RaisedMonthlyFrom,
        string? Exclusion, DateTimeOffset? ExcludedUntil, DateTimeOffset UpdatedAt);

    public async Task AddAsync(string requestId, string playerId, Body body, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(body);
        await using var conn = await dataSource.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO ingestion.player_limit_requests (request_id, player_id, daily_minor, monthly_minor, exclusion,
                exclusion_days, requested_by, requested_at)
            VALUES (@requestId, @playerId, @DailyLimitMinor, @MonthlyLimitMinor, @Exclusion, @ExclusionDays,
                @requestedBy, @now)
            """, new
        {
            requestId, playerId, body.DailyLimitMinor, body.MonthlyLimitMinor, body.Exclusion, body.ExclusionDays,
            requestedBy = RequestedBy, now,
        });
    }

    public async Task<Answer?> AnswerAsync(string requestId)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        return await conn.QueryFirstOrDefaultAsync<Answer>(
            "SELECT outcome, summary FROM ingestion.player_limit_requests WHERE request_id = @requestId",
            new { requestId });
    }

    public async Task<Stored?> LimitsAsync(string playerId)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        return await conn.QueryFirstOrDefaultAsync<Stored>("""
            SELECT daily_minor, monthly_minor, raised_daily_minor, raised_daily_from, raised_monthly_minor,
                   raised_monthly_from, exclusion, excluded_until, updated_at
            FROM ingestion.player_limits WHERE player_id = @playerId
            """, new { playerId });
    }
}
