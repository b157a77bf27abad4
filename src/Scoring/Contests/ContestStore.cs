using System.Text.Json;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Domain;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace ContestPipeline.Scoring.Store;

/// <summary>A stat correction recorded after its contest was COMPLETE.</summary>
public sealed record CorrectionRow(string ContestId, string GameId, long Sequence, string AthleteId, string Stat,
    long? PreviousValue, long CorrectedValue);

/// <summary>
/// Every read and write of the referee's tables. A contest's state changes only through
/// <see cref="MoveAsync"/>, which checks the move against the lifecycle table and that exactly
/// one row changed; a stored state it does not know is a bug, never read as SCHEDULED.
/// </summary>
public static class ScoringStore
{
    private static string Name(ContestState state) => ContestLifecycle.Name(state);

    private static ContestState Parse(string contestId, string? name) =>
        ContestLifecycle.TryParse(name, out var state)
            ? state
            : throw new InvariantViolatedException($"contest {contestId} has unknown state '{name}'");

    /// <summary>The states whose boards are live (kept in boards).</summary>
    private static string[] LiveStates =>
        [Name(ContestState.Scheduled), Name(ContestState.Locked), Name(ContestState.Live)];

    // ---- contests and entries ------------------------------------------------------------------

    /// <summary>
    /// A contest the referee has not seen, SCHEDULED, with the partition of <c>contest.lifecycle</c> its timeline is on
    /// (its board's owner's).
    /// </summary>
    public static async Task<bool> InsertContestAsync(TransactionContext context, ContestDefined definition,
        int? lifecyclePartition) =>
        await context.Connection.ExecuteAsync("""
            INSERT INTO scoring.contests (contest_id, definition, state, state_changed_at, lifecycle_partition)
            VALUES (@id, @definition::jsonb, @scheduled, @now, @lifecyclePartition) ON CONFLICT (contest_id) DO NOTHING;
            INSERT INTO scoring.contest_games (contest_id, game_id) SELECT @id, unnest(@games) ON CONFLICT DO NOTHING;
            """, new
        {
            id = definition.ContestId, definition = JsonSerializer.Serialize(definition, OutgoingMessage.Json),
            scheduled = Name(ContestState.Scheduled),
            now = context.Clock.GetUtcNow(), games = definition.GameIds.ToArray(), lifecyclePartition,
        }, context.Transaction) > 0;

    /// <summary>The contest's state and the entry count Ingestion announced at close (null before), locked.</summary>
    public static async Task<(ContestState State, int? ClosedCount)?> ContestForEntryAsync(TransactionContext context,
        string contestId)
    {
        var row = await context.Connection.QueryFirstOrDefaultAsync<(string State, int? ClosedCount)?>(
            "SELECT state, entries_closed_count FROM scoring.contests WHERE contest_id = @contestId FOR UPDATE",
            new { contestId }, context.Transaction);
        return row is { } r ? (Parse(contestId, r.State), r.ClosedCount) : null;
    }

    /// <summary>
    /// The contests of a run of entries, locked in id order; a contest the referee never saw is absent.
    /// </summary>
    public static async Task<Dictionary<string, (ContestState State, int? ClosedCount)>> ContestsForEntriesAsync(
        TransactionContext context, IReadOnlyCollection<string> contestIds) =>
        (await context.Connection.QueryAsync<(string ContestId, string State, int? ClosedCount)>("""
            SELECT contest_id, state, entries_closed_count FROM scoring.contests
            WHERE contest_id = ANY(@ids) ORDER BY contest_id FOR UPDATE
            """, new { ids = contestIds.ToArray() }, context.Transaction))
        .ToDictionary(r => r.ContestId, r => (Parse(r.ContestId, r.State), r.ClosedCount), StringComparer.Ordinal);

    /// <summary>
    /// Inserts a run of entries in one statement; returns the ids of the new ones (one seen before stays as it was).
    /// </summary>
    public static async Task<IReadOnlyList<string>> InsertEntriesAsync(
        TransactionContext context, IReadOnlyList<EntryAccepted> entries) =>
        entries.Count == 0 ? [] : [.. await context.Connection.QueryAsync<string>("""
            INSERT INTO scoring.entries (entry_id, contest_id, player_id, lineup)
            SELECT u.id, u.contest, u.player,
                   CASE WHEN u.lineup IS NULL THEN NULL
                        ELSE ARRAY(SELECT a.id FROM jsonb_array_elements_text(u.lineup::jsonb)
                                   WITH ORDINALITY AS a(id, n) ORDER BY a.n) END
            FROM unnest(@ids, @contests, @players, @lineups) AS u(id, contest, player, lineup)
            ON CONFLICT (entry_id) DO NOTHING
            RETURNING entry_id
            """, new
        {
            ids = entries.Select(e => e.EntryId).ToArray(), contests = entries.Select(e => e.ContestId).ToArray(),
            players = entries.Select(e => e.PlayerId).ToArray(),
            lineups = entries.Select(e => e.Lineup is null ? null : JsonSerializer.Serialize(e.Lineup)).ToArray(),
        }, context.Transaction)];

    /// <summary>Records how many entries Ingestion accepted; false when the referee never saw the contest.</summary>
    public static async Task<bool> RecordEntriesClosedAsync(TransactionContext context, EntriesClosed closed) =>
        await context.Connection.ExecuteAsync(
            "UPDATE scoring.contests SET entries_closed_count = @EntryCount, review_due_at = @now " +
            "WHERE contest_id = @ContestId",
            new { closed.EntryCount, closed.ContestId, now = context.Clock.GetUtcNow() }, context.Transaction) == 1;

    public static async Task<bool> RecordCancelRequestAsync(TransactionContext context, string contestId) =>
        await context.Connection.ExecuteAsync(
            "UPDATE scoring.contests SET cancel_requested = true, review_due_at = @now WHERE contest_id = @contestId",
            new { contestId, now = context.Clock.GetUtcNow() }, context.Transaction) == 1;

    /// <summary>The referee looks at the contest again at once.</summary>
    public static Task MarkDueAsync(TransactionContext context, string contestId) =>
        context.Connection.ExecuteAsync("UPDATE scoring.contests SET review_due_at = @now " +
            "WHERE contest_id = @contestId",
            new { contestId, now = context.Clock.GetUtcNow() }, context.Transaction);

    // ---- games and stats ------------------------------------------------------------------------

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
            new { gameId, fact.Sequence, fact.Kind, fact.At, fact.NewStartsAt, now = context.Clock.GetUtcNow(),
                live = LiveStates },
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
                .Add(new GamePhaseFact(r.Sequence, r.Kind, Utc(r.At), r.NewStartsAt is { } n ? Utc(n) : null));
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
                Parse(r.ContestId, r.State)))];

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

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));

    /// <summary>
    /// Records, once, that the referee alerted on a contest held LIVE past its slate's end; false when it had.
    /// </summary>
    public static async Task<bool> MarkHeldAlertedAsync(TransactionContext context, string contestId) =>
        await context.Connection.ExecuteAsync(
            "UPDATE scoring.contests SET held_alerted_at = @now WHERE contest_id = @contestId " +
            "AND held_alerted_at IS NULL",
            new { contestId, now = context.Clock.GetUtcNow() }, context.Transaction) == 1;

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

    /// <summary>
    /// The COMPLETE contests covering any of these games: a stat for them is a correction after the result.
    /// </summary>
    /// <summary>
    /// With, for a game that stopped counting for the contest, the sequence from which its stats are not the contest's.
    /// </summary>
    public static async Task<IReadOnlyList<(string ContestId, string GameId, long? CutoffSequence)>>
        CompleteContestsOfGamesAsync(TransactionContext context, IEnumerable<string> gameIds) =>
        [.. await context.Connection.QueryAsync<(string, string, long?)>("""
            SELECT cg.contest_id, cg.game_id, f.cutoff_sequence
            FROM scoring.contest_games cg JOIN scoring.contests c USING (contest_id)
            LEFT JOIN scoring.contest_game_freezes f ON f.contest_id = cg.contest_id AND f.game_id = cg.game_id
            WHERE cg.game_id = ANY(@games) AND c.state = @complete
            """, new { games = gameIds.Distinct().ToArray(), complete = Name(ContestState.Complete) },
            context.Transaction)];

    public static Task<long?> StatValueAsync(TransactionContext context, string gameId, string athleteId,
        string stat) =>
        context.Connection.QueryFirstOrDefaultAsync<long?>(
            "SELECT value FROM scoring.stat_values WHERE game_id = @gameId AND athlete_id = @athleteId " +
            "AND stat = @stat",
            new { gameId, athleteId, stat }, context.Transaction);

    public static Task RecordCorrectionAfterCompleteAsync(TransactionContext context, string contestId, StatFact r,
        long? previous) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO scoring.corrections_after_complete (contest_id, game_id, athlete_id, stat, sequence,
                previous_value, corrected_value, recorded_at)
            VALUES (@contestId, @GameId, @AthleteId, @Stat, @Sequence, @previous, @Value, @now) ON CONFLICT DO NOTHING
            """,
            new { contestId, r.GameId, r.AthleteId, r.Stat, r.Sequence, previous, r.Value,
                now = context.Clock.GetUtcNow() }, context.Transaction);

    // ---- the referee ----------------------------------------------------------------------------

    /// <summary>A contest due for review, locked (another referee skips it), or null.</summary>
    public static Task<string?> NextDueContestAsync(TransactionContext context) =>
        context.Connection.QueryFirstOrDefaultAsync<string?>("""
            SELECT contest_id FROM scoring.contests WHERE review_due_at <= @now
            ORDER BY review_due_at, contest_id LIMIT 1 FOR UPDATE SKIP LOCKED
            """, new { now = context.Clock.GetUtcNow() }, context.Transaction);

    /// <summary>
    /// What the referee knows of a contest at <paramref name="now"/>: its facts, and what its covered games come to
    /// under its rule.
    /// </summary>
    public static async Task<(ContestFacts Facts, SlateDecision Slate, IReadOnlyList<GameOutcome> Games)> FactsAsync(
        TransactionContext context, string contestId, DateTimeOffset now)
    {
        var row =
            await context.Connection.QueryFirstAsync<(string State, int EntryCount, int? ClosedCount,
                bool CancelRequested, string? StartedGame,
            string Definition)>("""
            SELECT c.state,
                   (SELECT count(*)::int FROM scoring.entries e WHERE e.contest_id = c.contest_id),
                   c.entries_closed_count,
                   c.cancel_requested,
                   (SELECT min(g.game_id) FROM scoring.contest_games cg JOIN scoring.games g USING (game_id)
                     WHERE cg.contest_id = c.contest_id AND g.started_at IS NOT NULL),
                   c.definition::text
            FROM scoring.contests c WHERE c.contest_id = @contestId
            """, new { contestId }, context.Transaction);
        var definition = JsonSerializer.Deserialize<ContestDefined>(row.Definition, OutgoingMessage.Json)!;
        var slateEnd = await SlateEndAsync(context, definition);
        var phases = await GamePhasesAsync(context, definition.GameIds);
        var games = phases.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => SlateRules.Outcome(p.Key, p.Value, slateEnd, now)).ToList();
        var slate = SlateRules.Decide(UnfinishedGameRules.Of(definition), games, slateEnd, now,
            TimeSpan.FromMinutes(definition.StatCorrectionWindowMinutes));
        var facts = new ContestFacts(Parse(contestId, row.State), row.EntryCount, row.ClosedCount,
            definition.MinEntries, row.CancelRequested, row.StartedGame,
            slate.CompletesAt, slate.CancelReason);
        return (facts, slate, games);
    }

    /// <summary>When the referee should look again (null: only when a fact arrives).</summary>
    public static Task SetReviewDueAsync(TransactionContext context, string contestId, DateTimeOffset? at) =>
        context.Connection.ExecuteAsync("UPDATE scoring.contests SET review_due_at = @at WHERE contest_id = @contestId",
            new { contestId, at }, context.Transaction);

    /// <summary>
    /// Moves a contest along its lifecycle: an illegal move, or a row not in <paramref name="from"/>, is a bug.
    /// </summary>
    public static async Task MoveAsync(TransactionContext context, string contestId, ContestState from, ContestState to)
    {
        if (!ContestLifecycle.CanTransition(from, to))
            throw new InvariantViolatedException($"illegal transition of contest {contestId}: {Name(from)} -> " +
                $"{Name(to)}");
        var changed = await context.Connection.ExecuteAsync(
            "UPDATE scoring.contests SET state = @to, state_changed_at = @now WHERE contest_id = @contestId " +
            "AND state = @from",
            new { contestId, from = Name(from), to = Name(to), now = context.Clock.GetUtcNow() }, context.Transaction);
        if (changed != 1)
            throw new InvariantViolatedException($"contest {contestId} was not {Name(from)} when moving it to " +
                $"{Name(to)} ({changed} rows changed)");
        context.OnCommitted(() => PipelineTelemetry.ContestEntered("scoring", Name(to)));
    }

    /// <summary>
    /// A contest's board as the database has it: its definition, entries and the latest value of every covered stat.
    /// </summary>
    public static async Task<ContestBoard> LoadBoardAsync(TransactionContext context, string contestId)
    {
        var json = await context.Connection.QueryFirstAsync<string>(
            "SELECT definition::text FROM scoring.contests WHERE contest_id = @contestId", new { contestId },
            context.Transaction);
        var board = new ContestBoard(JsonSerializer.Deserialize<ContestDefined>(json, OutgoingMessage.Json)!);
        await using (var cmd = new NpgsqlCommand(
            "SELECT entry_id, player_id, lineup FROM scoring.entries WHERE contest_id = @contestId", context.Connection,
            context.Transaction))
        {
            cmd.Parameters.AddWithValue("contestId", contestId);
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                board.AddEntry(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null
                    : reader.GetFieldValue<string[]>(2));
        }
        // A game that came back into play after it stopped counting for the contest scores the values it had then.
        var stats = await context.Connection.QueryAsync<(string Game, string Athlete, string Stat, long Value)>("""
            SELECT s.game_id, s.athlete_id, s.stat, s.value FROM scoring.stat_values s
            JOIN scoring.contest_games cg ON cg.game_id = s.game_id AND cg.contest_id = @contestId
            WHERE NOT EXISTS (SELECT 1 FROM scoring.contest_game_freezes f WHERE f.contest_id = @contestId
                AND f.game_id = s.game_id AND f.snapshot)
            UNION ALL
            SELECT game_id, athlete_id, stat, value FROM scoring.frozen_stat_values WHERE contest_id = @contestId
            """, new { contestId }, context.Transaction);
        foreach (var (game, athlete, stat, value) in stats) board.ApplyStat(game, athlete, stat, value);
        return board;
    }

    /// <summary>A COMPLETE contest's final standings and the hashes of them and of every input behind them.</summary>
    public static async Task WriteFinalStandingsAsync(TransactionContext context, string contestId,
        IReadOnlyList<StandingRow> rows, string standingsHash,
        string inputsHash, CancellationToken ct)
    {
        await using (var writer = await context.Connection.BeginBinaryImportAsync(
            "COPY scoring.final_standings (contest_id, rank, entry_id, player_id, score_milli) " +
            "FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var r in rows)
            {
                await writer.StartRowAsync(ct);
                await writer.WriteAsync(contestId, NpgsqlDbType.Text, ct);
                await writer.WriteAsync(r.Rank, NpgsqlDbType.Integer, ct);
                await writer.WriteAsync(r.EntryId, NpgsqlDbType.Text, ct);
                await writer.WriteAsync(r.PlayerId, NpgsqlDbType.Text, ct);
                await writer.WriteAsync(r.ScoreMilli, NpgsqlDbType.Bigint, ct);
            }
            await writer.CompleteAsync(ct);
        }
        await context.Connection.ExecuteAsync(
            "UPDATE scoring.contests SET standings_hash = @standingsHash, inputs_hash = @inputsHash " +
            "WHERE contest_id = @contestId",
            new { standingsHash, inputsHash, contestId }, context.Transaction);
    }

    // ---- corrections after COMPLETE ----------------------------------------------------------------

    /// <summary>
    /// The contest with the oldest unreported correction, locked, with all of its unreported corrections.
    /// </summary>
    public static async Task<(string ContestId, IReadOnlyList<CorrectionRow> Rows,
        int ReportedBefore)?> UnreportedCorrectionsAsync(TransactionContext context)
    {
        var contestId = await context.Connection.QueryFirstOrDefaultAsync<string>("""
            SELECT contest_id FROM scoring.corrections_after_complete WHERE reported_at IS NULL
            ORDER BY recorded_at, contest_id, game_id, sequence LIMIT 1 FOR UPDATE SKIP LOCKED
            """, transaction: context.Transaction);
        if (contestId is null) return null;
        var rows = (await context.Connection.QueryAsync<CorrectionRow>("""
            SELECT contest_id, game_id, sequence, athlete_id, stat, previous_value, corrected_value
            FROM scoring.corrections_after_complete WHERE contest_id = @contestId AND reported_at IS NULL
            ORDER BY recorded_at, game_id, sequence FOR UPDATE
            """, new { contestId }, context.Transaction)).ToList();
        var before = await context.Connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM scoring.corrections_after_complete WHERE contest_id = @contestId " +
            "AND reported_at IS NOT NULL",
            new { contestId }, context.Transaction);
        return (contestId, rows, before);
    }

    public static async Task<(IReadOnlyList<StandingRow> Rows, string StandingsHash)> OfficialStandingsAsync(
        TransactionContext context, string contestId)
    {
        var rows = (await context.Connection.QueryAsync<StandingRow>("""
            SELECT rank, entry_id, player_id, score_milli FROM scoring.final_standings
            WHERE contest_id = @contestId ORDER BY rank, entry_id COLLATE "C"
            """, new { contestId }, context.Transaction)).ToList();
        var hash = await context.Connection.QueryFirstAsync<string>(
            "SELECT standings_hash FROM scoring.contests WHERE contest_id = @contestId", new { contestId },
            context.Transaction);
        return (rows, hash);
    }

    public static Task MarkCorrectionsReportedAsync(TransactionContext context, string contestId) =>
        context.Connection.ExecuteAsync(
            "UPDATE scoring.corrections_after_complete SET reported_at = @now WHERE contest_id = @contestId " +
            "AND reported_at IS NULL",
            new { now = context.Clock.GetUtcNow(), contestId }, context.Transaction);

    // ---- warm-up ----------------------------------------------------------------------------------

    /// <summary>
    /// Rebuilds in memory the live boards of the contests on <paramref name="partitions"/> of
    /// <c>contest.lifecycle</c> (when this instance is given them), or, with null, of the
    /// contests recorded before their partition was kept (at start-up, by every instance).
    /// </summary>
    public static async Task LoadLiveBoardsAsync(NpgsqlDataSource dataSource, ScoringState boards,
        IReadOnlyCollection<int>? partitions, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        // One snapshot: the contests, their entries and the stats of their games as of one moment.
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var mine = partitions is null ? "c.lifecycle_partition IS NULL" : "c.lifecycle_partition = ANY(@partitions)";
        var args = new { live = LiveStates, partitions = partitions?.ToArray() ?? [] };
        var contests = (await conn.QueryAsync<(string ContestId, string Definition, string State, int? Partition)>(
            "SELECT c.contest_id, c.definition::text, c.state, c.lifecycle_partition FROM scoring.contests c " +
            $"WHERE c.state = ANY(@live) AND {mine}", args, tx)).ToList();
        if (contests.Count == 0) return;
        var entries = new List<(string, string, string, string[]?)>();
        // A slate's millions of rows repeat a few hundred contest and athlete ids: the list keeps one copy of each.
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        string Intern(string name) => names.TryGetValue(name, out var held) ? held : names[name] = name;
        await using (var cmd = new NpgsqlCommand($"""
            SELECT e.contest_id, e.entry_id, e.player_id, e.lineup FROM scoring.entries e
            JOIN scoring.contests c USING (contest_id) WHERE c.state = ANY(@live) AND {mine}
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue("live", LiveStates);
            cmd.Parameters.AddWithValue("partitions", partitions?.ToArray() ?? []);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var lineup = reader.IsDBNull(3) ? null : reader.GetFieldValue<string[]>(3);
                for (var i = 0; lineup is not null && i < lineup.Length; i++) lineup[i] = Intern(lineup[i]);
                entries.Add((Intern(reader.GetString(0)), reader.GetString(1), reader.GetString(2), lineup));
            }
        }
        var stats = (await conn.QueryAsync<(string, string, string, long, long)>($"""
            SELECT s.game_id, s.athlete_id, s.stat, s.value, s.sequence FROM scoring.stat_values s
            WHERE EXISTS (SELECT 1 FROM scoring.contest_games cg JOIN scoring.contests c USING (contest_id)
                          WHERE cg.game_id = s.game_id AND c.state = ANY(@live) AND {mine})
            ORDER BY s.game_id, s.athlete_id, s.stat
            """, args, tx)).Select(r => new StatFact(r.Item1, r.Item2, r.Item3, r.Item4, r.Item5)).ToList();
        // Added as one change: a board is never seen with part of its entries, or its entries without the stats.
        boards.Load([.. contests.Select(c => (JsonSerializer.Deserialize<ContestDefined>(c.Definition,
            OutgoingMessage.Json)!, Parse(c.ContestId, c.State), c.Partition))], entries, stats);
    }

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

    /// <summary>
    /// The lifecycle states of <paramref name="contestIds"/> as committed (any instance's referee may have moved them).
    /// </summary>
    public static async Task<IReadOnlyList<(string ContestId, ContestState State)>> StatesAsync(
        TransactionContext context, string[] contestIds) =>
        [.. (await context.Connection.QueryAsync<(string ContestId, string State)>(
            "SELECT contest_id, state FROM scoring.contests WHERE contest_id = ANY(@contestIds)", new { contestIds },
            context.Transaction))
            .Select(r => (r.ContestId, Parse(r.ContestId, r.State)))];
}
