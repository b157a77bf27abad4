using System.Text.Json;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Contests;
using Dapper;

namespace ContestPipeline.Scoring.Games;

/// <summary>
/// Every read and write of the referee's games: when each is scheduled to start, every fact of its life in
/// sequence order (game_phases), and, per contest, where a game that came back into play after it stopped counting
/// was cut off (contest_game_freezes, with the values it had then).
/// </summary>
public static class GameStore
{
    public static Task RecordGameScheduledAsync(TransactionContext context, GameScheduled g) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO scoring.games (game_id, starts_at) VALUES (@GameId, @StartsAt)
            ON CONFLICT (game_id) DO UPDATE SET starts_at = excluded.starts_at
            """, g, context.Transaction);

    /// <summary>
    /// A fact of a game's life (started, postponed, suspended, resumed, ended, cancelled), kept on
    /// its timeline; the contests covering it that are not done are due for review at once: the
    /// referee applies their rule to the timeline (a start makes a LOCKED contest LIVE, an end may
    /// complete it, a cancellation may cancel it).
    /// </summary>
    public static Task RecordGamePhaseAsync(TransactionContext context, string gameId, GamePhaseFact fact) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO scoring.game_phases (game_id, sequence, kind, at, new_starts_at)
            VALUES (@gameId, @Sequence, @Kind, @At, @NewStartsAt)
            ON CONFLICT DO NOTHING;
            INSERT INTO scoring.games (game_id, started_at, ended_at)
            VALUES (@gameId, CASE WHEN @Kind = 'started' THEN @At END, CASE WHEN @Kind = 'ended' THEN @At END)
            ON CONFLICT (game_id) DO UPDATE SET started_at = COALESCE(scoring.games.started_at, excluded.started_at),
                                                ended_at = COALESCE(scoring.games.ended_at, excluded.ended_at);
            UPDATE scoring.contests SET review_due_at = @now
            WHERE contest_id IN (SELECT contest_id FROM scoring.contest_games WHERE game_id = @gameId)
                AND state = ANY(@live);
            """,
            new { gameId, fact.Sequence, Kind = KindName(fact.Kind), fact.At, fact.NewStartsAt,
                now = context.Clock.GetUtcNow(), live = ContestStore.LiveStates },
            context.Transaction);

    /// <summary>Every phase fact of the games, in sequence order per game.</summary>
    public static async Task<IReadOnlyDictionary<string, List<GamePhaseFact>>> GamePhasesAsync(
        TransactionContext context, IReadOnlyCollection<string> gameIds)
    {
        var rows =
            await context.Connection.QueryAsync<(string GameId, long Sequence, string Kind, DateTime At,
                DateTime? NewStartsAt)>("""
            SELECT game_id, sequence, kind, at, new_starts_at FROM scoring.game_phases
            WHERE game_id = ANY(@ids) ORDER BY game_id, sequence
            """, new { ids = gameIds.ToArray() }, context.Transaction);
        var facts = gameIds.Distinct(StringComparer.Ordinal)
            .ToDictionary(g => g, _ => new List<GamePhaseFact>(), StringComparer.Ordinal);
        foreach (var r in rows)
            facts[r.GameId]
                .Add(new GamePhaseFact(r.Sequence, ParseKind(r.GameId, r.Kind), Utc(r.At),
                    r.NewStartsAt is { } n ? Utc(n) : null));
        return facts;
    }

    /// <summary>
    /// A game came back into play after it stopped counting for a contest: stats from
    /// <paramref name="cutoffSequence"/> on are not the contest's. A contest not done yet keeps the
    /// values the game had (its final standings use them); one done only stops counting later
    /// stats as corrections of its result.
    /// </summary>
    public static Task FreezeGameAsync(
        TransactionContext context, string contestId, string gameId, long cutoffSequence, bool snapshot) =>
        context.Connection.ExecuteAsync($"""
            INSERT INTO scoring.contest_game_freezes (contest_id, game_id, cutoff_sequence, snapshot, recorded_at)
            VALUES (@contestId, @gameId, @cutoffSequence, @snapshot, @now) ON CONFLICT DO NOTHING;
            {(snapshot ? """
                INSERT INTO scoring.frozen_stat_values (contest_id, game_id, athlete_id, stat, value)
                SELECT @contestId, game_id, athlete_id, stat, value FROM scoring.stat_values WHERE game_id = @gameId
                ON CONFLICT DO NOTHING;
                """ : "")}
            """, new { contestId, gameId, cutoffSequence, snapshot, now = context.Clock.GetUtcNow() },
            context.Transaction);

    /// <summary>
    /// The contests covering a game, with their definitions and states (for the freeze check when it comes back into
    /// play).
    /// </summary>
    public static async Task<IReadOnlyList<(string ContestId, ContestDefined Definition, ContestState State)>>
        ContestsOfGameAsync(TransactionContext context, string gameId) =>
        [.. (await context.Connection.QueryAsync<(string ContestId, string Definition, string State)>("""
            SELECT c.contest_id, c.definition::text, c.state
            FROM scoring.contests c JOIN scoring.contest_games cg USING (contest_id)
            WHERE cg.game_id = @gameId
              AND NOT EXISTS (SELECT 1 FROM scoring.contest_game_freezes f WHERE f.contest_id = c.contest_id
                  AND f.game_id = @gameId)
            ORDER BY c.contest_id
            """, new { gameId }, context.Transaction))
            .Select(r => (r.ContestId, JsonSerializer.Deserialize<ContestDefined>(r.Definition, OutgoingMessage.Json)!,
                ContestStore.Parse(r.ContestId, r.State)))];

    /// <summary>
    /// The slate's end of a contest: as its definition has it (Ingestion writes the default in
    /// when it schedules it), or, for a contest scheduled before it did, the default from the
    /// covered games' scheduled starts.
    /// </summary>
    public static async Task<DateTimeOffset> SlateEndAsync(TransactionContext context, ContestDefined definition)
    {
        if (definition.SlateEndsAt is { } end) return end;
        var last = await context.Connection.ExecuteScalarAsync<DateTime?>(
            "SELECT max(starts_at) FROM scoring.games WHERE game_id = ANY(@ids)",
            new { ids = definition.GameIds.ToArray() },
            context.Transaction);
        return UnfinishedGameRules.SlateEnd(definition, last is { } l ? Utc(l) : definition.LockAt);
    }

    /// <summary>A phase fact's kind as game_phases.kind stores it: started, postponed, suspended ...</summary>
    private static string KindName(GamePhaseKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>A stored kind; one this code does not know is a bug (the column's check constraint agrees).</summary>
    private static GamePhaseKind ParseKind(string gameId, string kind)
    {
        foreach (var known in Enum.GetValues<GamePhaseKind>())
            if (KindName(known) == kind) return known;
        throw new InvariantViolatedException($"game {gameId} has a phase fact of unknown kind '{kind}'");
    }

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));
}
