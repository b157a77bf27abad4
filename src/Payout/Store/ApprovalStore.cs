using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Store;

/// <summary>
/// payout.release_approvals: the approvals of releases that need two operators (the two-person rule).
/// </summary>
public static class ApprovalStore
{
    /// <summary>
    /// Records one approval (a decision seen again is one approval); returns the distinct operators approving since the
    /// last release.
    /// </summary>
    public static async Task<IReadOnlyList<string>> AddAsync(TransactionContext context, PayoutReviewDecided d)
    {
        await context.Connection.ExecuteAsync("""
            INSERT INTO payout.release_approvals (payout_id, operator, decision_id, reason, approved_at)
            VALUES (@PayoutId, @Operator, @DecisionId, @Reason, @now) ON CONFLICT DO NOTHING
            """, new { d.PayoutId, d.Operator, d.DecisionId, d.Reason, now = context.Clock.GetUtcNow() }, context.Transaction);
        return [.. await context.Connection.QueryAsync<string>("""
            SELECT operator FROM payout.release_approvals WHERE payout_id = @PayoutId AND used_at IS NULL
            GROUP BY operator ORDER BY min(approved_at), operator
            """, new { d.PayoutId }, context.Transaction)];
    }

    /// <summary>The open approvals were spent on a release: the next release needs two again.</summary>
    public static Task UseAsync(TransactionContext context, string payoutId) =>
        context.Connection.ExecuteAsync("UPDATE payout.release_approvals SET used_at = @now WHERE payout_id = @payoutId AND used_at IS NULL",
            new { payoutId, now = context.Clock.GetUtcNow() }, context.Transaction);
}
