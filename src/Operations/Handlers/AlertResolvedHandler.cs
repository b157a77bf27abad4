using ContestPipeline.Contracts.Operations;
using ContestPipeline.Operations.Domain;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>An operator resolved an alert, with a note.</summary>
public sealed class AlertResolvedHandler : MessageHandler<AlertResolved>
{
    public override async Task HandleAsync(AlertResolved resolved, HandlerContext context, CancellationToken ct)
    {
        await AlertStore.ActedAsync(context, resolved.AlertId, AlertAction.Resolve, resolved.Operator, resolved.Note,
            resolved.DecidedAt);
        await OperatorStore.DecisionAsync(context, "alert-resolve", resolved.Operator, resolved.AlertId, resolved.Note,
            resolved.DecidedAt);
    }
}
