using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Settlement.Contests;

/// <summary>
/// One chunk of a COMPLETE contest's final standings, kept until every chunk is here (SettleContestsJob). The same
/// chunk again is a redelivery; another count or other rows under a kept chunk's index is refused with a critical
/// alert and changes nothing.
/// </summary>
public sealed class FinalStandingsPublishedHandler : MessageHandler<FinalStandingsPublished>
{
    public override async Task HandleAsync(FinalStandingsPublished chunk, HandlerContext context, CancellationToken ct)
    {
        if (!await ContestStore.InsertStandingsChunkAsync(context, chunk))
            throw new MessageRejectedException($"final standings of contest {chunk.ContestId}: chunk "
                + $"{chunk.ChunkIndex} of {chunk.ChunkCount} is already kept with other rows or another count; "
                + "refused, nothing changes", AlertSeverities.Critical);
    }
}
