using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Store;

/// <summary>payout.dispatch: the emergency stop's state.</summary>
public static class DispatchStore
{
    /// <summary>
    /// Whether automated transfers and refunds are halted. Read FOR SHARE in the claiming
    /// transaction: a halt being applied waits for a claim in progress, and a claim after the
    /// halt committed sees it.
    /// </summary>
    public static Task<bool> HaltedAsync(TransactionContext context) =>
        context.Connection.ExecuteScalarAsync<bool>("SELECT halted FROM payout.dispatch FOR SHARE", transaction: context.Transaction);

    /// <summary>Applies a halt or resume; false when dispatch is already in that state (nothing changes).</summary>
    public static async Task<bool> SetAsync(TransactionContext context, PayoutDispatchDecided d, bool halted) =>
        await context.Connection.ExecuteAsync("""
            UPDATE payout.dispatch SET halted = @halted, decision_id = @DecisionId, operator = @Operator, reason = @Reason, changed_at = @now
            WHERE halted <> @halted
            """, new { halted, d.DecisionId, d.Operator, d.Reason, now = context.Clock.GetUtcNow() }, context.Transaction) == 1;

    public static void PublishChanged(TransactionContext context, PayoutDispatchDecided d, bool halted) =>
        context.Publish(Topics.PayoutsStatus, PayoutDispatchDecided.Key, PayoutDispatchChanged.MessageIdFor(d.DecisionId),
            new PayoutDispatchChanged(d.DecisionId, halted, d.Operator, d.Reason, context.Clock.GetUtcNow()));
}
