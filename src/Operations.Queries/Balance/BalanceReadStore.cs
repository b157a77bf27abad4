using Npgsql;

namespace ContestPipeline.Operations.Queries.Balance;

/// <summary>
/// The balance monitor's figures: the snapshots the operations worker takes, what the platform owes now,
/// and the money in flight the dashboard shows.
/// Reads the operations read model only (schema <c>operations</c>).
/// </summary>
public sealed class BalanceReadStore(NpgsqlDataSource db) : ReadStore(db)
{
    /// <summary>
    /// Collected (fees of contests not yet PAID or CANCELLED), pools (SETTLED, not PAID), payable (prizes ordered, not
    /// paid or rejected), paid since <paramref name="dayStart"/>.
    /// </summary>
    public Task<(long Collected, long Pools, long Payable, long PaidToday)> MoneyInFlightAsync(string currency,
        DateTimeOffset dayStart) =>
        OneAsync<(long, long, long, long)>("""
            SELECT
              coalesce((SELECT sum(e.amount_minor)
                        FROM operations.entries e JOIN operations.contests c USING (contest_id)
                        WHERE e.currency = @currency AND c.state NOT IN ('PAID', 'CANCELLED')), 0)::bigint,
              coalesce((SELECT sum((settled ->> 'poolMinor')::bigint) FROM operations.contests
                        WHERE state = 'SETTLED' AND currency = @currency), 0)::bigint,
              coalesce((SELECT sum(net_minor) FROM operations.payouts
                        WHERE currency = @currency AND state NOT IN ('paid', 'rejected')), 0)::bigint,
              coalesce((SELECT sum(net_minor) FROM operations.payouts
                        WHERE currency = @currency AND paid_at >= @dayStart), 0)::bigint
            """, new { currency, dayStart });

    public Task<List<SnapshotRow>> SnapshotsAsync(int limit) =>
        ListAsync<SnapshotRow>("""
            SELECT *
            FROM (SELECT taken_at, currency, available_minor, pending_minor, obligations_minor, reserve_minor, status,
                                  change_per_day_minor, days_to_empty
                           FROM operations.balance_snapshots ORDER BY taken_at DESC LIMIT @limit) s ORDER BY taken_at
            """, new { limit });

    public Task<long> ObligationsAsync(string currency) =>
        OneAsync<long>("""
            SELECT coalesce((SELECT sum(net_minor) FROM operations.payouts
                             WHERE currency = @currency AND state NOT IN ('paid', 'rejected')), 0)
                 + coalesce((SELECT sum(amount_minor) FROM operations.refunds
                             WHERE currency = @currency AND state = 'ordered'), 0)
            """, new { currency });
}
