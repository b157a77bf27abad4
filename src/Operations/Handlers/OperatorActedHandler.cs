using ContestPipeline.Contracts.Operations;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>The audit trail: every operator action with who, role, when, why and what came of it.</summary>
public sealed class OperatorActedHandler : MessageHandler<OperatorActed>
{
    public override Task HandleAsync(OperatorActed a, HandlerContext context, CancellationToken ct) =>
        ReadModelStore.ExecuteAsync(context, """
            INSERT INTO operations.audit (action_id, operator, role, action, subject, reason, outcome, tool, at)
            VALUES (@ActionId, @Operator, @Role, @Action, @Subject, @Reason, @Outcome, @Tool, @At) ON CONFLICT DO NOTHING
            """, a);
}
