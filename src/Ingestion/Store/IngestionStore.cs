using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Ingestion.Domain;
using ContestPipeline.Plumbing.Messaging;
using Dapper;
using ContestPipeline.Rules.Contests;
using ContestPipeline.Rules.Feed;

namespace ContestPipeline.Ingestion.Store;

/// <summary>
/// Every read and write of Ingestion's contest and game tables (submissions and entries are
/// SubmissionStore's, the feed's held and
/// released events are <see cref="FeedStore"/>'s), with the announcement that goes with a
/// state change in the same transaction. Whether a contest takes entries changes only through
/// <see cref="MoveAsync"/>, which checks the transition and that exactly one row changed.
/// </summary>
public static class IngestionStore
{
    // ---- contests ---------------------------------------------------------------------------------

    public sealed record ContestRow(
        string ContestId, string Definition, string Status, int EntryCount, DateTime? ClosesEarlyAtUtc)
    {
        public ContestDefined Parse() => JsonSerializer.Deserialize<ContestDefined>(Definition, OutgoingMessage.Json)!;
        public EntriesState State => EntriesLifecycle.Parse(ContestId, Status);

        /// <summary>When a covered game started before lockAt, closing entries as of then; null otherwise.</summary>
        public DateTimeOffset? ClosesEarlyAt =>
            ClosesEarlyAtUtc is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;
    }

    public static Task<ContestRow?> ContestForUpdateAsync(TransactionContext context, string contestId) =>
        context.Connection.QueryFirstOrDefaultAsync<ContestRow>("""
            SELECT contest_id AS ContestId, definition::text AS Definition, status AS Status,
                   entry_count AS EntryCount,
                   closes_early_at AS ClosesEarlyAtUtc
            FROM ingestion.contests WHERE contest_id = @contestId FOR UPDATE
            """, new { contestId }, context.Transaction);

    /// <summary>The hash of the definition already accepted or parked under this id, if any.</summary>
    public static Task<string?> DefinitionHashAsync(TransactionContext context, string contestId) =>
        context.Connection.QueryFirstOrDefaultAsync<string?>("""
            SELECT definition_hash FROM ingestion.contests WHERE contest_id = @contestId
            UNION ALL SELECT definition_hash FROM ingestion.parked_contests WHERE contest_id = @contestId
            """, new { contestId }, context.Transaction);

    /// <summary>
    /// Accepts a valid definition: the contest is open for entries, and announced as scheduled.
    /// Its rule for unfinished games and its slate's end are written in as they are fixed now
    /// (the defaults, from its games' scheduled starts, when it gave none), so every worker reads
    /// the same rule whatever the games do later.
    /// </summary>
    public static async Task ScheduleContestAsync(TransactionContext context, Cause cause, ContestDefined definition,
        string hash,
        IReadOnlyDictionary<string, GameInfo> games)
    {
        definition = definition with
        {
            UnfinishedGames = UnfinishedGameRules.Of(definition),
            SlateEndsAt = UnfinishedGameRules.SlateEnd(definition, definition.GameIds.Max(g => games[g].StartsAt)),
        };
        var now = context.Clock.GetUtcNow();
        await context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.contests (contest_id, definition, definition_hash, lock_at, entry_fee_minor, currency,
                status, accepted_at)
            VALUES (@ContestId, @definition::jsonb, @hash, @LockAt, @EntryFeeMinor, @Currency, @open, @now);
            INSERT INTO ingestion.contest_games (contest_id, game_id) SELECT @ContestId, unnest(@GameIds);
            """,
            new
            {
                definition.ContestId, definition = JsonSerializer.Serialize(definition, OutgoingMessage.Json), hash,
                definition.LockAt, definition.EntryFeeMinor, definition.Currency,
                open = EntriesLifecycle.Name(EntriesState.Open), now,
                GameIds = definition.GameIds.ToArray() /* validated non-empty */
            },
            context.Transaction);
        context.Publish(cause, Topics.ContestLifecycle, definition.ContestId,
            ContestScheduled.MessageIdFor(definition.ContestId), new ContestScheduled(definition));
    }

    /// <summary>
    /// Moves whether a contest takes entries: an illegal move, or a row not in <paramref name="from"/>, is a bug.
    /// </summary>
    public static async Task MoveAsync(TransactionContext context, string contestId, EntriesState from,
        EntriesState to)
    {
        EntriesLifecycle.AssertTransition(contestId, from, to);
        var changed = await context.Connection.ExecuteAsync($"""
            UPDATE ingestion.contests SET status = @to{(to == EntriesState.Closed ? ", closed_at = @now" : "")}
            WHERE contest_id = @contestId AND status = @from
            """, new
            {
                contestId, from = EntriesLifecycle.Name(from), to = EntriesLifecycle.Name(to),
                now = context.Clock.GetUtcNow(),
            }, context.Transaction);
        if (changed != 1)
            throw new InvariantViolatedException($"contest {contestId} was not {EntriesLifecycle.Name(from)} "
                + $"when moving it to {EntriesLifecycle.Name(to)} ({changed} rows changed)");
    }

    /// <summary>
    /// Closes an open contest (the caller holds its row lock) and announces the final entry
    /// list. EntriesClosed follows every EntryAccepted of the contest through the same outbox,
    /// so the referee that sees it has seen them all.
    /// </summary>
    public static async Task CloseEntriesAsync(TransactionContext context, Cause cause, string contestId)
    {
        var now = context.Clock.GetUtcNow();
        var entryIds = (await context.Connection.QueryAsync<string>(
            "SELECT entry_id FROM ingestion.entries WHERE contest_id = @contestId ORDER BY entry_id COLLATE \"C\"",
            new { contestId }, context.Transaction)).ToList();
        await MoveAsync(context, contestId, EntriesState.Open, EntriesState.Closed);
        context.Publish(cause, Topics.ContestLifecycle, contestId, EntriesClosed.MessageIdFor(contestId),
            new EntriesClosed(contestId, entryIds.Count, ContestHashes.Entries(entryIds), now));
    }

    /// <summary>
    /// Open contests whose closing time (lockAt, or the earlier start of a covered game) plus the
    /// allowed skew has passed (a record may reach the broker that late and still count), with
    /// that closing time; when <paramref name="locked"/>, locked, others closing them skipped.
    /// </summary>
    public static async Task<IReadOnlyList<(string ContestId, DateTime ClosesAtUtc)>> ContestsDueToCloseAsync(
        TransactionContext context, int limit, TimeSpan skew, bool locked) =>
        [.. await context.Connection.QueryAsync<(string, DateTime)>($"""
            SELECT contest_id, coalesce(closes_early_at, lock_at) AS closes_at FROM ingestion.contests
            WHERE status = @open AND coalesce(closes_early_at, lock_at) <= @cutoff
            ORDER BY 2, contest_id LIMIT @limit {(locked ? "FOR UPDATE SKIP LOCKED" : "")}
            """, new
            {
                open = EntriesLifecycle.Name(EntriesState.Open), cutoff = context.Clock.GetUtcNow() - skew, limit,
            },
            context.Transaction)];

    /// <summary>
    /// A covered game started at <paramref name="startedAt"/>: the open contests it covers whose
    /// lockAt is later close their entries as of then (the close itself waits, as at lock, for
    /// every submission made before it to be decided). Returns how many contests it closes early.
    /// </summary>
    public static Task<int> CloseEarlyAsync(TransactionContext context, string gameId, DateTimeOffset startedAt) =>
        context.Connection.ExecuteAsync("""
            UPDATE ingestion.contests c
            SET closes_early_at = least(coalesce(c.closes_early_at, @startedAt), @startedAt)
            FROM ingestion.contest_games cg
            WHERE cg.contest_id = c.contest_id AND cg.game_id = @gameId AND c.status = @open AND c.lock_at > @startedAt
            """, new { gameId, startedAt, open = EntriesLifecycle.Name(EntriesState.Open) }, context.Transaction);

    /// <summary>
    /// Records an operator's cancel of a contest: once per operator while their request counts, anew (with this
    /// reason and time) once it is older than <paramref name="lifetime"/>. Every request so far, first first, the
    /// expired ones of other operators included (the rule, <see cref="CancelApprovals"/>, tells which still count).
    /// </summary>
    public static async Task<IReadOnlyList<CancelApprovals.Request>> AddCancelApprovalAsync(HandlerContext context,
        ContestCancelRequested request, TimeSpan lifetime)
    {
        var now = context.Clock.GetUtcNow();
        await context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.cancel_approvals (contest_id, operator, reason, requested_at)
            VALUES (@ContestId, @RequestedBy, @Reason, @now)
            ON CONFLICT (contest_id, operator)
            DO UPDATE SET reason = excluded.reason, requested_at = excluded.requested_at
            WHERE cancel_approvals.requested_at <= @expiredAt
            """, new { request.ContestId, request.RequestedBy, request.Reason, now, expiredAt = now - lifetime },
            context.Transaction);
        var rows = await context.Connection.QueryAsync<(string, string, DateTime)>("""
            SELECT operator, reason, requested_at FROM ingestion.cancel_approvals
            WHERE contest_id = @ContestId ORDER BY requested_at, operator
            """, new { request.ContestId }, context.Transaction);
        return [.. rows.Select(r => new CancelApprovals.Request(r.Item1, r.Item2,
            new DateTimeOffset(DateTime.SpecifyKind(r.Item3, DateTimeKind.Utc))))];
    }

    // ---- parked definitions ---------------------------------------------------------------------------

    public sealed record ParkedRow(string ContestId, string Hash, string MessageId, byte[] Payload, string Headers,
        string Topic, int Partition, long Offset, DateTime ParkedAt);

    public static Task ParkAsync(TransactionContext context, ContestDefined definition, string hash,
        IncomingMessage message) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.parked_contests (contest_id, definition_hash, message_id, payload, headers,
                kafka_topic, kafka_partition, kafka_offset, parked_at)
            VALUES (@ContestId, @hash, @MessageId, @payload, @headers::jsonb, @Topic, @Partition, @Offset, @now)
            """, new
            {
                definition.ContestId, hash, message.Envelope.MessageId, payload = message.Value,
                headers = HeaderJson.Write(message.Headers),
                message.Topic, message.Partition, message.Offset, now = context.Clock.GetUtcNow(),
            }, context.Transaction);

    public static async Task<IReadOnlyList<ParkedRow>> ParkedContestsAsync(TransactionContext context, int limit) =>
        [.. await context.Connection.QueryAsync<ParkedRow>("""
            SELECT contest_id, definition_hash AS hash, message_id, payload, headers::text AS headers,
                   kafka_topic AS topic, kafka_partition AS partition, kafka_offset AS "offset", parked_at
            FROM ingestion.parked_contests ORDER BY parked_at LIMIT @limit FOR UPDATE SKIP LOCKED
            """, new { limit }, context.Transaction)];

    public static Task UnparkAsync(TransactionContext context, string contestId) =>
        context.Connection.ExecuteAsync("DELETE FROM ingestion.parked_contests WHERE contest_id = @contestId",
            new { contestId }, context.Transaction);

    // ---- entries ----------------------------------------------------------------------------------
    // Submissions, their payments and the entries, rejections and refunds decided from them are
    // SubmissionStore's.

    // ---- games ----------------------------------------------------------------------------------

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
        return states.Select(s => JsonSerializer.Deserialize<GameState>(s, OutgoingMessage.Json)!)
            .Where(g => g.Info() is not null)
            .ToDictionary(g => g.GameId, g => g.Info()!, StringComparer.Ordinal);
    }

    /// <summary>A game as the feed keeps it: validated state and ordering state.</summary>
    public sealed class GameRow(string gameId, GameState state, GameSequence sequencing)
    {
        public string GameId { get; } = gameId;
        public GameState State { get; set; } = state;
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
            JsonSerializer.Deserialize<GameState>(r.State, OutgoingMessage.Json)!,
            JsonSerializer.Deserialize<GameSequence>(r.Sequencing, OutgoingMessage.Json)!), StringComparer.Ordinal);
        foreach (var id in ids.Where(id => !games.ContainsKey(id)))
            games[id] = new GameRow(id, GameState.Unknown(id), GameSequence.Start);
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
            statuses = list.Select(g => PhaseName(g.State.Phase)).ToArray(),
            states = list.Select(g => JsonSerializer.Serialize(g.State, OutgoingMessage.Json)).ToArray(),
            sequencings = list.Select(g => JsonSerializer.Serialize(g.Sequencing, OutgoingMessage.Json)).ToArray(),
            dues = list.Select(g => sequencer.TickDueAt(g.Sequencing)).ToArray(),
            now = context.Clock.GetUtcNow(),
        }, context.Transaction);
    }
}
