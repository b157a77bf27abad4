using System.Text.Json;
using ContestPipeline.Plumbing.Messaging;
using Dapper;
using ContestPipeline.Rules.Contests;
using ContestPipeline.Rules.Feed;

namespace ContestPipeline.Ingestion.Feed;

/// <summary>
/// Every read and write of Ingestion's games: each game's validated state and its ordering state,
/// as the feed has them (<see cref="FeedStore"/> applies the feed's events to them).
/// </summary>
public static class GameStore
{
    /// <summary>
    /// A game's phase as its status column stores it: unknown, scheduled, postponed, started, suspended, ended,
    /// cancelled.
    /// </summary>
    public static string PhaseName(GamePhase phase) => phase.ToString().ToLowerInvariant();

    /// <summary>The games among <paramref name="gameIds"/> that the feed has scheduled.</summary>
    public static async Task<IReadOnlyDictionary<string, GameInfo>> KnownGamesAsync(TransactionContext context,
        IEnumerable<string?> gameIds)
    {
        var states = await context.Connection.QueryAsync<string>(
            "SELECT state::text FROM ingestion.games WHERE game_id = ANY(@ids) AND status <> @unknown",
            new
            {
                ids = gameIds.Where(g => g is not null).Distinct().ToArray(),
                unknown = PhaseName(GamePhase.Unknown),
            }, context.Transaction);
        return states.Select(s => JsonSerializer.Deserialize<GameFacts>(s, OutgoingMessage.Json)!)
            .Where(g => g.Info() is not null)
            .ToDictionary(g => g.GameId, g => g.Info()!, StringComparer.Ordinal);
    }

    /// <summary>A game as the feed keeps it: what the valid feed has said of it, and its ordering state.</summary>
    public sealed class GameRow(string gameId, GameFacts facts, GameSequence sequencing)
    {
        public string GameId { get; } = gameId;
        public GameFacts Facts { get; set; } = facts;
        public GameSequence Sequencing { get; set; } = sequencing;
    }

    /// <summary>Locks and loads the games (new ones start unknown, expecting sequence 1).</summary>
    public static async Task<Dictionary<string, GameRow>> GamesForUpdateAsync(TransactionContext context,
        IEnumerable<string> gameIds)
    {
        var ids = gameIds.Distinct().Order(StringComparer.Ordinal).ToArray();
        var rows = await context.Connection.QueryAsync<(string GameId, string State, string Sequencing)>(
            "SELECT game_id, state::text, sequencing::text FROM ingestion.games "
            + "WHERE game_id = ANY(@ids) ORDER BY game_id FOR UPDATE",
            new { ids }, context.Transaction);
        var games = rows.ToDictionary(r => r.GameId, r => new GameRow(r.GameId,
            JsonSerializer.Deserialize<GameFacts>(r.State, OutgoingMessage.Json)!,
            JsonSerializer.Deserialize<GameSequence>(r.Sequencing, OutgoingMessage.Json)!), StringComparer.Ordinal);
        foreach (var id in ids.Where(id => !games.ContainsKey(id)))
            games[id] = new GameRow(id, GameFacts.Unknown(id), GameSequence.Start);
        return games;
    }

    /// <summary>Games whose held gap is due to be given up, locked.</summary>
    public static async Task<IReadOnlyList<string>> GamesWithGapsDueAsync(TransactionContext context, int limit) =>
        [.. await context.Connection.QueryAsync<string>(
            "SELECT game_id FROM ingestion.games "
            + "WHERE gap_due_at <= @now ORDER BY gap_due_at LIMIT @limit FOR UPDATE SKIP LOCKED",
            new { now = context.Clock.GetUtcNow(), limit }, context.Transaction)];

    public static async Task SaveGamesAsync(TransactionContext context, IEnumerable<GameRow> games,
        FeedSequencer sequencer)
    {
        var list = games.ToList();
        if (list.Count == 0) return;
        await context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.games (game_id, status, state, sequencing, gap_due_at, updated_at)
            SELECT g, s, st::jsonb, sq::jsonb, due, @now
            FROM unnest(@ids, @statuses, @states, @sequencings, @dues) AS u(g, s, st, sq, due)
            ON CONFLICT (game_id) DO UPDATE SET status = excluded.status, state = excluded.state,
                sequencing = excluded.sequencing,
                gap_due_at = excluded.gap_due_at, updated_at = excluded.updated_at
            """, new
        {
            ids = list.Select(g => g.GameId).ToArray(),
            statuses = list.Select(g => PhaseName(g.Facts.Phase)).ToArray(),
            states = list.Select(g => JsonSerializer.Serialize(g.Facts, OutgoingMessage.Json)).ToArray(),
            sequencings = list.Select(g => JsonSerializer.Serialize(g.Sequencing, OutgoingMessage.Json)).ToArray(),
            dues = list.Select(g => sequencer.TickDueAt(g.Sequencing)).ToArray(),
            now = context.Clock.GetUtcNow(),
        }, context.Transaction);
    }
}
