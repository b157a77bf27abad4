using Dapper;
using Npgsql;

namespace ContestPipeline.Operations.Queries.Notifications;

/// <summary>
/// The notification sender's delivery log (schema <c>notifier</c>), for cpctl and the console: the
/// read-only role reads every schema, and this log is the sender's own record of what reached whom.
/// </summary>
public sealed class DeliveryReadStore(NpgsqlDataSource db)
{
    public const int PageSize = 50;

    /// <summary>How many deliveries per channel and state.</summary>
    public async Task<List<(string Channel, string State, long Count)>> CountsAsync()
    {
        await using var conn = await db.OpenConnectionAsync();
        return [.. await conn.QueryAsync<(string, string, long)>(
            "SELECT channel, state, count(*) FROM notifier.deliveries GROUP BY channel, state " +
            "ORDER BY channel, state")];
    }

    /// <summary>The latest deliveries, newest first; only those in <paramref name="state"/> when it is named.</summary>
    public async Task<List<DeliveryRow>> DeliveriesAsync(string? state, int page)
    {
        await using var conn = await db.OpenConnectionAsync();
        return [.. await conn.QueryAsync<DeliveryRow>("""
            SELECT delivery_id, channel, recipient, kind, state, attempts, requested_at, next_attempt_at, delivered_at,
                   last_error
            FROM notifier.deliveries WHERE (@state::text IS NULL OR state = @state)
            ORDER BY requested_at DESC, delivery_id LIMIT @limit OFFSET @offset
            """, new { state, limit = PageSize, offset = page * PageSize })];
    }
}
