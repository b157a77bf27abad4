using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Plumbing.Canary;

/// <summary>
/// Records a canary addressed to this worker's stage and forwards it to the next stage
/// through the outbox, in one transaction. Canaries for other stages are not this
/// worker's business and are passed over.
/// </summary>
public sealed class CanaryHandler(string stage, string schema) : MessageHandler<CanaryPassed>
{
    private readonly CanaryStore _store = new(schema);

    public override async Task HandleAsync(CanaryPassed canary, HandlerContext context, CancellationToken ct)
    {
        if (canary.NextStage != stage) return;
        if (string.IsNullOrWhiteSpace(canary.CanaryId) || canary.CanaryId.Length > 100)
            throw new MessageRejectedException("canaryId must be 1 to 100 characters");
        var hops = canary.Hops.Append(stage).ToArray();
        await _store.RecordHopAsync(context, canary.CanaryId, stage, hops);
        context.Publish(Topics.Canary, canary.CanaryId, CanaryPassed.MessageIdFor(canary.CanaryId, stage),
            new CanaryPassed(canary.CanaryId, CanaryPassed.NextAfter(stage), hops));
    }
}
