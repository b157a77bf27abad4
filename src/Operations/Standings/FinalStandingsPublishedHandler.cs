using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Standings;

/// <summary>
/// Every chunk of the final standings: the contest page shows the top, the audit export carries them all.
/// </summary>
public sealed class FinalStandingsPublishedHandler : MessageHandler<FinalStandingsPublished>
{
    public override Task HandleAsync(FinalStandingsPublished chunk, HandlerContext context, CancellationToken ct) =>
        StandingsStore.FinalStandingsAsync(context, chunk);
}
