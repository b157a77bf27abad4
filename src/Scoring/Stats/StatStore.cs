using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Scoring.Stats;

/// <summary>
/// The latest cumulative value of every athlete's stat in every game (stat_values), with the feed sequence that set
/// it: the highest sequence wins, whichever instance consumed it.
/// </summary>
public static class StatStore
{
    /// <summary>
    /// Writes the latest value of each stat (the highest sequence wins); returns the values that changed.
    /// </summary>
    public static async Task<IReadOnlyList<StatFact>> ApplyStatsAsync(TransactionContext context,
        IReadOnlyList<StatFact> rows) =>
        [.. (await context.Connection.QueryAsync<(string, string, string, long, long)>("""
            INSERT INTO scoring.stat_values AS s (game_id, athlete_id, stat, value, sequence)
            SELECT * FROM unnest(@games, @athletes, @stats, @values, @sequences)
            ON CONFLICT (game_id, athlete_id, stat) DO UPDATE SET value = excluded.value, sequence = excluded.sequence
                WHERE s.sequence < excluded.sequence
            RETURNING game_id, athlete_id, stat, value, sequence
            """, new
        {
            games = rows.Select(r => r.GameId).ToArray(), athletes = rows.Select(r => r.AthleteId).ToArray(),
            stats = rows.Select(r => r.Stat).ToArray(), values = rows.Select(r => r.Value).ToArray(),
            sequences = rows.Select(r => r.Sequence).ToArray(),
        }, context.Transaction)).Select(r => new StatFact(r.Item1, r.Item2, r.Item3, r.Item4, r.Item5))];

    public static Task<long?> StatValueAsync(TransactionContext context, string gameId, string athleteId,
        string stat) =>
        context.Connection.QueryFirstOrDefaultAsync<long?>(
            "SELECT value FROM scoring.stat_values WHERE game_id = @gameId AND athlete_id = @athleteId " +
            "AND stat = @stat",
            new { gameId, athleteId, stat }, context.Transaction);

    /// <summary>
    /// The stats of <paramref name="games"/> recorded after the sequence given for each (by any instance).
    /// </summary>
    public static async Task<IReadOnlyList<StatFact>> StatsAfterAsync(TransactionContext context, string[] games,
        long[] after) =>
        [.. (await context.Connection.QueryAsync<(string, string, string, long, long)>("""
            SELECT s.game_id, s.athlete_id, s.stat, s.value, s.sequence
            FROM unnest(@games, @after) AS g(game_id, after) JOIN scoring.stat_values s ON s.game_id = g.game_id
                AND s.sequence > g.after
            ORDER BY s.game_id, s.sequence
            """, new { games, after }, context.Transaction))
                .Select(r => new StatFact(r.Item1, r.Item2, r.Item3, r.Item4, r.Item5))];
}
