using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Operations.Store;

/// <summary>What the platform owes and has not yet paid: prizes ordered and not paid or rejected, refunds ordered and not made.</summary>
public static class Obligations
{
    public static Task<long> OwedAsync(TransactionContext context, string currency) =>
        context.Connection.ExecuteScalarAsync<long>("""
            SELECT coalesce((SELECT sum(net_minor) FROM operations.payouts WHERE currency = @currency AND state NOT IN ('paid', 'rejected')), 0)
                 + coalesce((SELECT sum(amount_minor) FROM operations.refunds WHERE currency = @currency AND state = 'ordered'), 0)
            """, new { currency }, context.Transaction);

    public static Task<string?> LastStatusAsync(TransactionContext context) =>
        context.Connection.QueryFirstOrDefaultAsync<string?>("SELECT status FROM operations.balance_snapshots ORDER BY taken_at DESC LIMIT 1",
            transaction: context.Transaction);

    public static Task SnapshotAsync(TransactionContext context, DateTimeOffset at, string currency, long available, long pending, long obligations, long reserve, string status) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO operations.balance_snapshots (taken_at, currency, available_minor, pending_minor, obligations_minor, reserve_minor, status)
            VALUES (@at, @currency, @available, @pending, @obligations, @reserve, @status) ON CONFLICT DO NOTHING
            """, new { at, currency, available, pending, obligations, reserve, status }, context.Transaction);
}
