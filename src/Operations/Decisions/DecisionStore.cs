using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing.Messaging;
using static ContestPipeline.Operations.ReadModelStore;

namespace ContestPipeline.Operations.Decisions;

/// <summary>What operators decided and did: their decisions, and the audit trail of every act.</summary>
public static class DecisionStore
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
}
