using ContestPipeline.Contracts.Standings;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>Every chunk of the final standings: the contest page shows the top, the audit export carries them all.</summary>
public sealed class FinalStandingsPublishedHandler : MessageHandler<FinalStandingsPublished>
{
    public override async Task HandleAsync(FinalStandingsPublished chunk, HandlerContext context, CancellationToken ct)
    {
        var rows = chunk.Rows;
        await ReadModelStore.EnsureContestAsync(context, chunk.ContestId);
        await ReadModelStore.ExecuteAsync(context, """
            INSERT INTO operations.final_standings (contest_id, chunk_index, position, rank, entry_id, player_id, score_milli)
            SELECT @contestId, @chunk, p, r, e, pl, s FROM unnest(@positions, @ranks, @entries, @players, @scores) AS u(p, r, e, pl, s) ON CONFLICT DO NOTHING
            """, new
        {
            contestId = chunk.ContestId, chunk = chunk.ChunkIndex, positions = Enumerable.Range(0, rows.Count).ToArray(), ranks = rows.Select(r => r.Rank).ToArray(),
            entries = rows.Select(r => r.EntryId).ToArray(), players = rows.Select(r => r.PlayerId).ToArray(), scores = rows.Select(r => r.ScoreMilli).ToArray(),
        });
    }
}
