using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Decisions;

/// <summary>The audit trail: every operator action with who, role, when, why and what came of it.</summary>
public sealed class OperatorActedHandler : MessageHandler<OperatorActed>
{
    public override Task HandleAsync(OperatorActed action, HandlerContext context, CancellationToken ct) =>
        DecisionStore.AuditAsync(context, action);
}
