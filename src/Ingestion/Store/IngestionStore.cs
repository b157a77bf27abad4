using ContestPipeline.Contracts.Contests;
using ContestPipeline.Ingestion.Domain;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Ingestion.Store;

/// <summary>Reads of the intake's own tables that several handlers share.</summary>
public static class IngestionStore
{
    /// <summary>The games among <paramref name="gameIds"/> that the feed has scheduled.</summary>
    public static async Task<IReadOnlyDictionary<string, GameInfo>> KnownGamesAsync(HandlerContext context, IEnumerable<string> gameIds)
    {
        var rows = await context.Connection.QueryAsync<(string GameId, DateTime StartsAt, string[] AthleteIds)>("""
            SELECT game_id, starts_at, athlete_ids FROM ingestion.games
            WHERE game_id = ANY(@ids) AND status <> 'unknown' AND starts_at IS NOT NULL
            """, new { ids = gameIds.Where(g => g is not null).Distinct().ToArray() }, context.Transaction);
        return rows.ToDictionary(r => r.GameId,
            r => new GameInfo(new DateTimeOffset(DateTime.SpecifyKind(r.StartsAt, DateTimeKind.Utc)), r.AthleteIds.ToHashSet(StringComparer.Ordinal)),
            StringComparer.Ordinal);
    }

    public sealed record ContestRow(string ContestId, string Definition, string Status, DateTime LockAt, int EntryCount)
    {
        public ContestDefined Parse() => System.Text.Json.JsonSerializer.Deserialize<ContestDefined>(Definition, OutgoingMessage.Json)!;
        public DateTimeOffset LockAtUtc => new(DateTime.SpecifyKind(LockAt, DateTimeKind.Utc));
    }

    public static Task<ContestRow?> ContestForUpdateAsync(HandlerContext context, string contestId) =>
        context.Connection.QueryFirstOrDefaultAsync<ContestRow>("""
            SELECT contest_id AS ContestId, definition::text AS Definition, status AS Status, lock_at AS LockAt, entry_count AS EntryCount
            FROM ingestion.contests WHERE contest_id = @contestId FOR UPDATE
            """, new { contestId }, context.Transaction);
}
