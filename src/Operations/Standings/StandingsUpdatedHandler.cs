using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Standings;

/// <summary>
/// Live standings: the leaders of the newest board Scoring published (by <c>computedAt</c>, then <c>version</c>), so a
/// LIVE contest's page shows who leads; an older board arriving late changes nothing.
/// </summary>
public sealed class StandingsUpdatedHandler : MessageHandler<StandingsUpdated>
{
    public override Task HandleAsync(StandingsUpdated update, HandlerContext context, CancellationToken ct) =>
        StandingsStore.LiveStandingsAsync(context, update);
}
