using ContestPipeline.Contracts.Standings;
using ContestPipeline.Operations.Contests;
using ContestPipeline.Plumbing.Messaging;
using static ContestPipeline.Operations.ReadModelStore;

namespace ContestPipeline.Operations.Standings;

/// <summary>A contest's final standings, every row of every chunk, in the order Scoring published them.</summary>
public static class StandingsStore
{
    /// <summary>
    /// The leaders of a live board kept (the console shows ten): a board comes up to ten times a second per contest, so
    /// the read model writes a tenth of its hundred rows.
    /// </summary>
    public const int LiveLeadersKept = 10;

    /// <summary>
    /// The newest live standings of a contest: replaced only by a board computed later (or at the same time, with a
    /// higher version); a version may start again lower after Scoring restarts, so it never orders boards alone.
    /// </summary>
    public static Task LiveStandingsAsync(HandlerContext context, StandingsUpdated update) =>
        ExecuteAsync(context, """
            INSERT INTO operations.live_standings (contest_id, version, entry_count, leaders, computed_at)
            VALUES (@ContestId, @Version, @EntryCount, @leaders::jsonb, @ComputedAt)
            ON CONFLICT (contest_id) DO UPDATE SET version = excluded.version, entry_count = excluded.entry_count,
                leaders = excluded.leaders, computed_at = excluded.computed_at
            WHERE (live_standings.computed_at, live_standings.version) < (excluded.computed_at, excluded.version)
            """, new
        {
            update.ContestId, update.Version, update.EntryCount, update.ComputedAt,
            leaders = System.Text.Json.JsonSerializer.Serialize(update.Leaders.Take(LiveLeadersKept),
                OutgoingMessage.Json),
        });

    public static async Task FinalStandingsAsync(HandlerContext context, FinalStandingsPublished chunk)
    {
        var rows = chunk.Rows;
        await ContestStore.EnsureAsync(context, chunk.ContestId);
        await ExecuteAsync(context, """
            INSERT INTO operations.final_standings (contest_id, chunk_index, position, rank, entry_id, player_id,
                score_milli)
            SELECT @contestId, @chunk, p, r, e, pl, s
            FROM unnest(@positions, @ranks, @entries, @players, @scores) AS u(p, r, e, pl, s)
            ON CONFLICT DO NOTHING
            """, new
        {
            contestId = chunk.ContestId, chunk = chunk.ChunkIndex,
            positions = Enumerable.Range(0, rows.Count).ToArray(),
            ranks = rows.Select(r => r.Rank).ToArray(), entries = rows.Select(r => r.EntryId).ToArray(),
            players = rows.Select(r => r.PlayerId).ToArray(), scores = rows.Select(r => r.ScoreMilli).ToArray(),
        });
    }
}
