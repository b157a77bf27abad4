using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Operations.Queries.Balance;
using Dapper;

namespace ContestPipeline.Operations.Balance;

/// <summary>
/// The balance monitor's figures: what the platform owes and has not yet paid (prizes ordered and not paid or
/// rejected, refunds ordered and not made), and the snapshots of its Stripe balance against that.
/// </summary>
public static class BalanceStore
{
    public static Task<long> OwedAsync(TransactionContext context, string currency) =>
        context.Connection.ExecuteScalarAsync<long>("""
            SELECT coalesce((SELECT sum(net_minor) FROM operations.payouts
                             WHERE currency = @currency AND state NOT IN ('paid', 'rejected')), 0)
                 + coalesce((SELECT sum(amount_minor) FROM operations.refunds
                             WHERE currency = @currency AND state = 'ordered'), 0)
            """, new { currency }, context.Transaction);

    /// <summary>The last snapshot's level and days to empty, if there is one.</summary>
    public static Task<(string Status, int? DaysToEmpty, long? ChangePerDay)?> LastAsync(TransactionContext context) =>
        context.Connection.QueryFirstOrDefaultAsync<(string, int?, long?)?>(
            "SELECT status, days_to_empty, change_per_day_minor FROM operations.balance_snapshots " +
            "ORDER BY taken_at DESC LIMIT 1",
            transaction: context.Transaction);

    /// <summary>The readings taken since <paramref name="since"/>, oldest first.</summary>
    public static async Task<IReadOnlyList<BalanceReading>> ReadingsSinceAsync(TransactionContext context,
        DateTimeOffset since) =>
        [.. (await context.Connection.QueryAsync<(DateTime At, long Available)>(
            "SELECT taken_at, available_minor FROM operations.balance_snapshots WHERE taken_at > @since " +
            "ORDER BY taken_at",
            new { since }, context.Transaction))
            .Select(r =>
                new BalanceReading(new DateTimeOffset(DateTime.SpecifyKind(r.At, DateTimeKind.Utc)), r.Available))];

    public static Task SnapshotAsync(TransactionContext context, DateTimeOffset at, string currency,
        BalanceSnapshot s) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO operations.balance_snapshots (taken_at, currency, available_minor, pending_minor,
                obligations_minor, reserve_minor, status,
                                                      change_per_day_minor, days_to_empty)
            VALUES (@at, @currency, @Available, @Pending, @Obligations, @Reserve, @Status, @ChangePerDay, @DaysToEmpty)
            ON CONFLICT DO NOTHING
            """,
            new { at, currency, s.Available, s.Pending, s.Obligations, s.Reserve, s.Status, s.ChangePerDay,
                s.DaysToEmpty }, context.Transaction);
}
