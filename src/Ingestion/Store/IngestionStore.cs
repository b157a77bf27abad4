using System.Text.Json;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Ingestion.Domain;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Ingestion.Store;

/// <summary>Reads and writes of the intake's own tables that several handlers share.</summary>
public static class IngestionStore
{
    /// <summary>The games among <paramref name="gameIds"/> that the feed has scheduled.</summary>
    public static async Task<IReadOnlyDictionary<string, GameInfo>> KnownGamesAsync(HandlerContext context, IEnumerable<string> gameIds)
    {
        var states = await context.Connection.QueryAsync<string>(
            "SELECT state::text FROM ingestion.games WHERE game_id = ANY(@ids) AND status <> 'unknown'",
            new { ids = gameIds.Where(g => g is not null).Distinct().ToArray() }, context.Transaction);
        return states.Select(s => JsonSerializer.Deserialize<GameState>(s, OutgoingMessage.Json)!)
            .Where(g => g.Info() is not null)
            .ToDictionary(g => g.GameId, g => g.Info()!, StringComparer.Ordinal);
    }

    public sealed record ContestRow(string ContestId, string Definition, string Status, int EntryCount)
    {
        public ContestDefined Parse() => JsonSerializer.Deserialize<ContestDefined>(Definition, OutgoingMessage.Json)!;
    }

    public static Task<ContestRow?> ContestForUpdateAsync(HandlerContext context, string contestId) =>
        context.Connection.QueryFirstOrDefaultAsync<ContestRow>("""
            SELECT contest_id AS ContestId, definition::text AS Definition, status AS Status, entry_count AS EntryCount
            FROM ingestion.contests WHERE contest_id = @contestId FOR UPDATE
            """, new { contestId }, context.Transaction);

    /// <summary>A game as the feed processor keeps it: validated state and ordering state.</summary>
    public sealed class GameRow(string gameId, GameState state, GameSequence sequencing)
    {
        public string GameId { get; } = gameId;
        public GameState State { get; set; } = state;
        public GameSequence Sequencing { get; set; } = sequencing;
    }

    /// <summary>Locks and loads the games (new ones start unknown, expecting sequence 1).</summary>
    public static async Task<Dictionary<string, GameRow>> GamesForUpdateAsync(HandlerContext context, IEnumerable<string> gameIds)
    {
        var ids = gameIds.Distinct().Order(StringComparer.Ordinal).ToArray();
        var rows = await context.Connection.QueryAsync<(string GameId, string State, string Sequencing)>(
            "SELECT game_id, state::text, sequencing::text FROM ingestion.games WHERE game_id = ANY(@ids) ORDER BY game_id FOR UPDATE",
            new { ids }, context.Transaction);
        var games = rows.ToDictionary(r => r.GameId, r => new GameRow(r.GameId,
            JsonSerializer.Deserialize<GameState>(r.State, OutgoingMessage.Json)!,
            JsonSerializer.Deserialize<GameSequence>(r.Sequencing, OutgoingMessage.Json)!), StringComparer.Ordinal);
        foreach (var id in ids.Where(id => !games.ContainsKey(id)))
            games[id] = new GameRow(id, GameState.Unknown(id), GameSequence.Start);
        return games;
    }

    public static async Task SaveGamesAsync(HandlerContext context, IEnumerable<GameRow> games, FeedSequencer sequencer)
    {
        var list = games.ToList();
        if (list.Count == 0) return;
        await context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.games (game_id, status, state, sequencing, gap_due_at, updated_at)
            SELECT g, s, st::jsonb, sq::jsonb, due, @now FROM unnest(@ids, @statuses, @states, @sequencings, @dues) AS u(g, s, st, sq, due)
            ON CONFLICT (game_id) DO UPDATE SET status = excluded.status, state = excluded.state, sequencing = excluded.sequencing,
                gap_due_at = excluded.gap_due_at, updated_at = excluded.updated_at
            """, new
        {
            ids = list.Select(g => g.GameId).ToArray(),
            statuses = list.Select(g => g.State.Phase.ToString().ToLowerInvariant()).ToArray(),
            states = list.Select(g => JsonSerializer.Serialize(g.State, OutgoingMessage.Json)).ToArray(),
            sequencings = list.Select(g => JsonSerializer.Serialize(g.Sequencing, OutgoingMessage.Json)).ToArray(),
            dues = list.Select(g => sequencer.TickDueAt(g.Sequencing)).ToArray(),
            now = context.Clock.GetUtcNow(),
        }, context.Transaction);
    }
}
