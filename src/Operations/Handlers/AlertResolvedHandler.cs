using ContestPipeline.Contracts.Operations;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>An operator resolved an alert, with a note.</summary>
public sealed class AlertResolvedHandler : MessageHandler<AlertResolved>
{
    public override async Task HandleAsync(AlertResolved d, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.AlertActionAsync(context, d.AlertId, "resolve", d.Operator, d.Note, d.DecidedAt);
        await ReadModelStore.DecisionAsync(context, "alert-resolve", d.Operator, d.AlertId, d.Note, d.DecidedAt);
    }
}
