using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Store;

namespace ContestPipeline.Settlement.Handlers;

/// <summary>
/// One chunk of a COMPLETE contest's final standings, kept until every chunk is here (SettleContestsJob).
/// </summary>
public sealed class FinalStandingsPublishedHandler : MessageHandler<FinalStandingsPublished>
{
    public override Task HandleAsync(FinalStandingsPublished chunk, HandlerContext context, CancellationToken ct) =>
        SettlementStore.InsertStandingsChunkAsync(context, chunk);
}
