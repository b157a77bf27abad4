using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Plumbing.Canary;

/// <summary>
/// Records a canary addressed to this worker's stage and forwards it to the next stage
/// through the outbox, in one transaction. Canaries for other stages are not this
/// worker's business and are passed over.
/// </summary>
public sealed class CanaryHandler(string stage, string schema) : MessageHandler<CanaryPassed>
{
    private readonly string _table = SqlNames.Identifier(schema) + ".canary_hops";

    public override async Task HandleAsync(CanaryPassed canary, HandlerContext context, CancellationToken ct)
    {
        if (canary.NextStage != stage) return;
        if (string.IsNullOrWhiteSpace(canary.CanaryId) || canary.CanaryId.Length > 100)
            throw new MessageRejectedException("canaryId must be 1 to 100 characters");
        var hops = canary.Hops.Append(stage).ToArray();
        // Deliberately not "ON CONFLICT DO NOTHING": the inbox alone must keep a redelivered
        // canary from being applied again, and if it ever failed to, this insert would fail
        // loudly (and the canary would be dead-lettered) instead of hiding it.
        await context.Connection.ExecuteAsync(
            $"INSERT INTO {_table} (canary_id, stage, hops) VALUES (@id, @stage, @hops)",
            new { id = canary.CanaryId, stage, hops }, context.Transaction);
        context.Publish(Topics.Canary, canary.CanaryId, CanaryPassed.MessageIdFor(canary.CanaryId, stage),
            new CanaryPassed(canary.CanaryId, CanaryPassed.NextAfter(stage), hops));
    }
}
