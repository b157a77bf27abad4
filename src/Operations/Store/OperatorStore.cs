using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using static ContestPipeline.Operations.Store.ReadModelStore;

namespace ContestPipeline.Operations.Store;

/// <summary>What operators decided and did: their decisions, the audit trail, and whether payouts are halted.</summary>
public static class OperatorStore
{
    public static Task DecisionAsync(HandlerContext context, string decision, string @operator, string subject,
        string reason, DateTimeOffset at) =>
        ExecuteAsync(context, """
            INSERT INTO operations.decisions (message_id, decision, operator, subject, reason, at)
            VALUES (@id, @decision, @operator, @subject, @reason, @at) ON CONFLICT DO NOTHING
            """, new { id = MessageId(context), decision, @operator, subject, reason, at });

    public static Task AuditAsync(HandlerContext context, OperatorActed action) =>
        ExecuteAsync(context, """
            INSERT INTO operations.audit (action_id, operator, role, action, subject, reason, outcome, tool, at)
            VALUES (@ActionId, @Operator, @Role, @Action, @Subject, @Reason, @Outcome, @Tool, @At)
            ON CONFLICT DO NOTHING
            """, action);

    /// <summary>Payout's own word on whether it dispatches; an older word arriving late changes nothing.</summary>
    public static Task DispatchChangedAsync(HandlerContext context, PayoutDispatchChanged change) =>
        ExecuteAsync(context, """
            UPDATE operations.dispatch SET halted = @Halted, decision_id = @DecisionId, operator = @Operator,
                reason = @Reason, changed_at = @At
            WHERE changed_at IS NULL OR changed_at <= @At
            """, change);
}
