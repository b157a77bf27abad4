using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Players;
using Dapper;

namespace ContestPipeline.Ingestion.Players;

/// <summary>
/// ingestion.player_limits (each player's limits, <see cref="LimitRules"/>), the requests that change them
/// (ingestion.player_limit_requests, added by the platform's player API), and the fees a player paid by when each
/// entry was submitted (ingestion.entries). A player's limits and spend are judged one transaction at a time: a
/// decision round and a limit change take the player's transaction-scoped advisory lock.
/// </summary>
public static class PlayerLimitStore
{
    private const string LockPrefix = "player-limits:";

    /// <summary>
    /// Takes every player's lock without waiting; false when another transaction holds one (a round deciding the same
    /// player in another contest, or a limit change): the caller decides nothing of this contest now, so two rounds
    /// never both count a player's spend as it was, and no two rounds wait on each other's players.
    /// </summary>
    public static async Task<bool> TryLockAsync(TransactionContext context, IReadOnlyCollection<string> players) =>
        players.Count == 0 || await context.Connection.ExecuteScalarAsync<bool>(
            "SELECT bool_and(pg_try_advisory_xact_lock(hashtextextended(@prefix || p, 0))) FROM unnest(@players) p",
            new { prefix = LockPrefix, players = players.Distinct().Order(StringComparer.Ordinal).ToArray() },
            context.Transaction);

    public static Task LockAsync(TransactionContext context, string playerId) =>
        context.Connection.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended(@prefix || @playerId, 0))",
            new { prefix = LockPrefix, playerId }, context.Transaction);

    public static async Task<Dictionary<string, PlayerLimits>> LimitsAsync(TransactionContext context,
        IReadOnlyCollection<string> players) =>
        (await context.Connection.QueryAsync<(string PlayerId, long? DailyMinor, long? MonthlyMinor,
            long? RaisedDailyMinor, DateTimeOffset? RaisedDailyFrom, long? RaisedMonthlyMinor,
            DateTimeOffset? RaisedMonthlyFrom, string? Exclusion, DateTimeOffset? ExcludedUntil)>("""
            SELECT player_id, daily_minor, monthly_minor, raised_daily_minor, raised_daily_from, raised_monthly_minor,
                   raised_monthly_from, exclusion, excluded_until
            FROM ingestion.player_limits WHERE player_id = ANY(@players)
            """, new { players = players.Distinct().ToArray() }, context.Transaction))
        .ToDictionary(r => r.PlayerId, r => new PlayerLimits
        {
            DailyMinor = r.DailyMinor, MonthlyMinor = r.MonthlyMinor,
            RaisedDailyMinor = r.RaisedDailyMinor, RaisedDailyFrom = r.RaisedDailyFrom,
            RaisedMonthlyMinor = r.RaisedMonthlyMinor, RaisedMonthlyFrom = r.RaisedMonthlyFrom,
            Exclusion = r.Exclusion, ExcludedUntil = r.ExcludedUntil,
        }, StringComparer.Ordinal);

    /// <summary>The fees of the players' accepted entries submitted at or after <paramref name="from"/>.</summary>
    public static async Task<PlayerSpend> SpendAsync(TransactionContext context, IReadOnlyCollection<string> players,
        DateTimeOffset from)
    {
        var spend = new PlayerSpend();
        foreach (var (player, at, minor, currency) in await context.Connection
            .QueryAsync<(string, DateTimeOffset, long, string)>("""
                SELECT player_id, submitted_at, amount_minor, currency FROM ingestion.entries
                WHERE player_id = ANY(@players) AND submitted_at >= @from
                """, new { players = players.Distinct().ToArray(), from }, context.Transaction))
            spend.Add(player, at, minor, currency);
        return spend;
    }

    public static Task SaveAsync(TransactionContext context, string playerId, PlayerLimits s, DateTimeOffset now) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.player_limits (player_id, daily_minor, monthly_minor, raised_daily_minor,
                raised_daily_from, raised_monthly_minor, raised_monthly_from, exclusion, excluded_until, updated_at)
            VALUES (@playerId, @DailyMinor, @MonthlyMinor, @RaisedDailyMinor, @RaisedDailyFrom, @RaisedMonthlyMinor,
                @RaisedMonthlyFrom, @Exclusion, @ExcludedUntil, @now)
            ON CONFLICT (player_id) DO UPDATE SET daily_minor = excluded.daily_minor,
                monthly_minor = excluded.monthly_minor, raised_daily_minor = excluded.raised_daily_minor,
                raised_daily_from = excluded.raised_daily_from, raised_monthly_minor = excluded.raised_monthly_minor,
                raised_monthly_from = excluded.raised_monthly_from, exclusion = excluded.exclusion,
                excluded_until = excluded.excluded_until, updated_at = excluded.updated_at
            """, new
        {
            playerId, now, s.DailyMinor, s.MonthlyMinor, s.RaisedDailyMinor, s.RaisedDailyFrom, s.RaisedMonthlyMinor,
            s.RaisedMonthlyFrom, s.Exclusion, s.ExcludedUntil,
        }, context.Transaction);

    /// <summary>Adds a request to the player's queue of changes once (a redelivered one is the same request).</summary>
    public static Task AddRequestAsync(TransactionContext context, string requestId, string playerId,
        LimitRequest change, string requestedBy, DateTimeOffset requestedAt) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.player_limit_requests (request_id, player_id, daily_minor, monthly_minor, exclusion,
                exclusion_days, requested_by, requested_at)
            VALUES (@requestId, @playerId, @DailyMinor, @MonthlyMinor, @Exclusion, @ExclusionDays, @requestedBy,
                @requestedAt)
            ON CONFLICT (request_id) DO NOTHING
            """, new
        {
            requestId, playerId, change.DailyMinor, change.MonthlyMinor, change.Exclusion, change.ExclusionDays,
            requestedBy, requestedAt,
        }, context.Transaction);

    public sealed record Request(string RequestId, string PlayerId, long? DailyMinor, long? MonthlyMinor,
        string? Exclusion, int? ExclusionDays, string RequestedBy)
    {
        public LimitRequest Change => new(DailyMinor, MonthlyMinor, Exclusion, ExclusionDays);
    }

    /// <summary>Requests not yet applied, oldest first, locked for this transaction (others skip them).</summary>
    public static async Task<IReadOnlyList<Request>> WaitingRequestsAsync(TransactionContext context, int limit) =>
        [.. await context.Connection.QueryAsync<Request>("""
            SELECT request_id, player_id, daily_minor, monthly_minor, exclusion, exclusion_days, requested_by
            FROM ingestion.player_limit_requests WHERE outcome IS NULL
            ORDER BY requested_at, request_id LIMIT @limit FOR UPDATE SKIP LOCKED
            """, new { limit }, context.Transaction)];

    public static Task AnswerAsync(TransactionContext context, string requestId, string outcome, string summary,
        DateTimeOffset now) =>
        context.Connection.ExecuteAsync("""
            UPDATE ingestion.player_limit_requests SET outcome = @outcome, summary = @summary, applied_at = @now
            WHERE request_id = @requestId
            """, new { requestId, outcome, summary, now }, context.Transaction);
}
