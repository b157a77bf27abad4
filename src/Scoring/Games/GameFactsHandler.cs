using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Lifecycle;
using ContestPipeline.Scoring.Runtime;
using Dapper;

namespace ContestPipeline.Scoring.Games;

/// <summary>
/// Applies the ordered game facts from <c>games</c>. Stats of a run of messages are written in
/// one statement (the latest sequence of each athlete's stat wins) and reach the boards after
/// commit. A game starting moves its contests LIVE; the last covered game ending starts the
/// contest's correction window (CompleteContestsJob completes it). A stat for a game of a
/// COMPLETE contest is recorded and alerted, never applied to that contest's result.
/// </summary>
public sealed class GameFactsHandler(ScoringState memory, string messageType) : IBatchMessageHandler
{
    public string MessageType => messageType;
    public int SchemaVersionMax => 1;

    public static IEnumerable<IMessageHandler> All(ScoringState memory) =>
        new[] { GameScheduled.MessageType, GameStarted.MessageType, StatUpdated.MessageType, StatCorrected.MessageType, GameEnded.MessageType }
            .Select(t => new GameFactsHandler(memory, t));

    public Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct) =>
        HandleBatchAsync([message], context, ct);

    public async Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context, CancellationToken ct)
    {
        switch (messageType)
        {
            case StatUpdated.MessageType or StatCorrected.MessageType:
                await ApplyStatsAsync(messages, context);
                break;
            case GameScheduled.MessageType:
                foreach (var m in messages)
                {
                    var g = m.Body<GameScheduled>();
                    await context.Connection.ExecuteAsync("""
                        INSERT INTO scoring.games (game_id, starts_at) VALUES (@GameId, @StartsAt)
                        ON CONFLICT (game_id) DO UPDATE SET starts_at = excluded.starts_at
                        """, g, context.Transaction);
                }
                break;
            case GameStarted.MessageType:
                foreach (var m in messages)
                {
                    var g = m.Body<GameStarted>();
                    await context.Connection.ExecuteAsync("""
                        INSERT INTO scoring.games (game_id, started_at) VALUES (@GameId, @StartedAt)
                        ON CONFLICT (game_id) DO UPDATE SET started_at = COALESCE(scoring.games.started_at, excluded.started_at)
                        """, g, context.Transaction);
                    foreach (var contestId in await ContestsOfGameAsync(context, g.GameId))
                        await Referee.AdvanceAsync(context, memory, contestId);
                }
                break;
            case GameEnded.MessageType:
                foreach (var m in messages)
                {
                    var g = m.Body<GameEnded>();
                    await context.Connection.ExecuteAsync("""
                        INSERT INTO scoring.games (game_id, ended_at) VALUES (@GameId, @EndedAt)
                        ON CONFLICT (game_id) DO UPDATE SET ended_at = COALESCE(scoring.games.ended_at, excluded.ended_at);
                        UPDATE scoring.contests c SET all_games_ended_at =
                               (SELECT max(g.ended_at) FROM scoring.contest_games cg JOIN scoring.games g USING (game_id) WHERE cg.contest_id = c.contest_id)
                        WHERE c.contest_id IN (SELECT contest_id FROM scoring.contest_games WHERE game_id = @GameId)
                          AND c.all_games_ended_at IS NULL
                          AND NOT EXISTS (SELECT 1 FROM scoring.contest_games cg LEFT JOIN scoring.games g USING (game_id)
                                          WHERE cg.contest_id = c.contest_id AND g.ended_at IS NULL);
                        """, g, context.Transaction);
                }
                break;
        }
    }

    private async Task ApplyStatsAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context)
    {
        // Within a run an athlete's stat may change several times: the highest sequence is its value.
        var latest = new Dictionary<(string Game, string Athlete, string Stat), (long Value, long Sequence)>();
        foreach (var m in messages)
        {
            var (game, sequence, athlete, stat, value) = m.Envelope.Type == StatCorrected.MessageType
                ? Fields(m.Body<StatCorrected>())
                : Fields(m.Body<StatUpdated>());
            if (!latest.TryGetValue((game, athlete, stat), out var seen) || seen.Sequence < sequence)
                latest[(game, athlete, stat)] = (value, sequence);
        }
        var rows = latest.Select(kv => (kv.Key.Game, kv.Key.Athlete, kv.Key.Stat, kv.Value.Value, kv.Value.Sequence)).ToList();

        await RecordCorrectionsAfterCompleteAsync(context, rows);
        var applied = (await context.Connection.QueryAsync<(string GameId, string AthleteId, string Stat, long Value, long Sequence)>("""
            INSERT INTO scoring.stat_values AS s (game_id, athlete_id, stat, value, sequence)
            SELECT * FROM unnest(@games, @athletes, @stats, @values, @sequences)
            ON CONFLICT (game_id, athlete_id, stat) DO UPDATE SET value = excluded.value, sequence = excluded.sequence
                WHERE s.sequence < excluded.sequence
            RETURNING game_id, athlete_id, stat, value, sequence
            """, new
        {
            games = rows.Select(r => r.Game).ToArray(), athletes = rows.Select(r => r.Athlete).ToArray(),
            stats = rows.Select(r => r.Stat).ToArray(), values = rows.Select(r => r.Value).ToArray(),
            sequences = rows.Select(r => r.Sequence).ToArray(),
        }, context.Transaction)).ToList();
        context.OnCommitted(() => memory.ApplyStats(applied));
    }

    private static async Task RecordCorrectionsAfterCompleteAsync(HandlerContext context, List<(string Game, string Athlete, string Stat, long Value, long Sequence)> rows)
    {
        var completed = (await context.Connection.QueryAsync<(string ContestId, string GameId)>("""
            SELECT cg.contest_id, cg.game_id FROM scoring.contest_games cg JOIN scoring.contests c USING (contest_id)
            WHERE cg.game_id = ANY(@games) AND c.state = 'COMPLETE'
            """, new { games = rows.Select(r => r.Game).Distinct().ToArray() }, context.Transaction)).ToList();
        if (completed.Count == 0) return;
        foreach (var (contestId, gameId) in completed)
        {
            foreach (var r in rows.Where(r => r.Game == gameId))
            {
                // Dapper binds parameters by property name; a value tuple has none at run time.
                var previous = await context.Connection.QueryFirstOrDefaultAsync<long?>(
                    "SELECT value FROM scoring.stat_values WHERE game_id = @game AND athlete_id = @athlete AND stat = @stat",
                    new { game = r.Game, athlete = r.Athlete, stat = r.Stat }, context.Transaction);
                if (previous == r.Value) continue;
                await context.Connection.ExecuteAsync("""
                    INSERT INTO scoring.corrections_after_complete (contest_id, game_id, athlete_id, stat, sequence, previous_value, corrected_value, recorded_at)
                    VALUES (@contestId, @game, @athlete, @stat, @sequence, @previous, @value, @now) ON CONFLICT DO NOTHING
                    """, new { contestId, game = r.Game, athlete = r.Athlete, stat = r.Stat, sequence = r.Sequence, previous, value = r.Value, now = context.Clock.GetUtcNow() },
                    context.Transaction);
                context.RaiseAlert("scoring", AlertSeverities.Warning, "correction_after_complete", contestId,
                    $"contest {contestId} is COMPLETE; its result stands. Correction recorded: game {gameId} athlete {r.Athlete} {r.Stat} {previous?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} -> {r.Value} (sequence {r.Sequence})",
                    $"{contestId}:{gameId}:{r.Sequence}");
            }
        }
    }

    private static (string Game, long Sequence, string Athlete, string Stat, long Value) Fields(StatUpdated s) =>
        (s.GameId, s.Sequence, s.AthleteId, s.Stat, s.Value);

    private static (string Game, long Sequence, string Athlete, string Stat, long Value) Fields(StatCorrected s) =>
        (s.GameId, s.Sequence, s.AthleteId, s.Stat, s.Value);

    private static async Task<IReadOnlyList<string>> ContestsOfGameAsync(HandlerContext context, string gameId) =>
        (await context.Connection.QueryAsync<string>("SELECT contest_id FROM scoring.contest_games WHERE game_id = @gameId ORDER BY contest_id",
            new { gameId }, context.Transaction)).ToList();
}
