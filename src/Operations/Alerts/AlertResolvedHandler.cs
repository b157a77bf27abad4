using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Operations.Decisions;

namespace ContestPipeline.Operations.Alerts;

/// <summary>An operator resolved an alert, with a note.</summary>
public sealed class AlertResolvedHandler : MessageHandler<AlertResolved>
{
    public override async Task HandleAsync(AlertResolved resolved, HandlerContext context, CancellationToken ct)
    {
        await AlertStore.ActedAsync(context, resolved.AlertId, AlertAction.Resolve, resolved.Operator, resolved.Note,
            resolved.DecidedAt);
        await DecisionStore.DecisionAsync(context, "alert-resolve", resolved.Operator, resolved.AlertId, resolved.Note,
            resolved.DecidedAt);
    }
}
