using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Store;

/// <summary>
/// The emergency stop's state (payout.dispatch) and the approvals of two-person releases
/// (payout.release_approvals).
/// </summary>
public static class DispatchStore
{
    /// <summary>
    /// Whether automated transfers and refunds are halted. Read FOR SHARE in the claiming
    /// transaction: a halt being applied waits for a claim in progress, and a claim after the
    /// halt committed sees it.
    /// </summary>
    public static Task<bool> HaltedAsync(HandlerContext context) =>
        context.Connection.ExecuteScalarAsync<bool>("SELECT halted FROM payout.dispatch FOR SHARE", transaction: context.Transaction);

    /// <summary>Applies a halt or resume; false when dispatch is already in that state (nothing changes).</summary>
    public static async Task<bool> SetAsync(HandlerContext context, PayoutDispatchDecided d, bool halted) =>
        await context.Connection.ExecuteAsync("""
            UPDATE payout.dispatch SET halted = @halted, decision_id = @DecisionId, operator = @Operator, reason = @Reason, changed_at = @now
            WHERE halted <> @halted
            """, new { halted, d.DecisionId, d.Operator, d.Reason, now = context.Clock.GetUtcNow() }, context.Transaction) == 1;

    public static void PublishChanged(HandlerContext context, PayoutDispatchDecided d, bool halted) =>
        context.Publish(Topics.PayoutsStatus, PayoutDispatchDecided.Key, PayoutDispatchChanged.MessageIdFor(d.DecisionId),
            new PayoutDispatchChanged(d.DecisionId, halted, d.Operator, d.Reason, context.Clock.GetUtcNow()));

    /// <summary>Records one approval (a decision seen again is one approval); returns the distinct operators approving since the last release.</summary>
    public static async Task<IReadOnlyList<string>> ApproveAsync(HandlerContext context, PayoutReviewDecided d)
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
    public static Task UseApprovalsAsync(HandlerContext context, string payoutId) =>
        context.Connection.ExecuteAsync("UPDATE payout.release_approvals SET used_at = @now WHERE payout_id = @payoutId AND used_at IS NULL",
            new { payoutId, now = context.Clock.GetUtcNow() }, context.Transaction);
}
