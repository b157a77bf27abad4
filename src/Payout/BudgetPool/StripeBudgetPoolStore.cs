using Dapper;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.BudgetPool;

/// <summary>
/// payout.stripe_budget_pool: each pooled Payout instance's last word on whether it has Stripe calls to make, on
/// the database's clock, so every instance counts the others by one clock.
/// </summary>
public static class StripeBudgetPoolStore
{
    /// <summary>Rows of instances not seen for this long are deleted (instances that stopped).</summary>
    public static readonly TimeSpan Forgotten = TimeSpan.FromHours(1);

    /// <summary>
    /// Records whether <paramref name="instance"/> is wanting, and counts the instances seen wanting within
    /// <paramref name="fresh"/>, this one included when it is.
    /// </summary>
    public static Task<int> SeenAsync(TransactionContext context, string instance, bool wanting, TimeSpan fresh) =>
        context.Connection.ExecuteScalarAsync<int>("""
            DELETE FROM payout.stripe_budget_pool WHERE seen_at < now() - @forgotten;
            INSERT INTO payout.stripe_budget_pool (instance, wanting, seen_at) VALUES (@instance, @wanting, now())
            ON CONFLICT (instance) DO UPDATE SET wanting = EXCLUDED.wanting, seen_at = EXCLUDED.seen_at;
            SELECT count(*)::int FROM payout.stripe_budget_pool WHERE wanting AND seen_at > now() - @fresh;
            """, new { instance, wanting, fresh, forgotten = Forgotten }, context.Transaction);
}
