using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using Dapper;
using ContestPipeline.Rules.Contests;

namespace ContestPipeline.Ingestion.Contests;

/// <summary>
/// Every read and write of Ingestion's contests, their games and the operators' cancel requests
/// (parked definitions are <see cref="ParkedContestStore"/>'s, submissions and entries
/// <see cref="Entries.SubmissionStore"/>'s, the feed's games <see cref="Feed.GameStore"/>'s), with the
/// announcement that goes with a state change in the same transaction. Whether a contest takes
/// entries changes only through <see cref="MoveAsync"/>, which checks the transition and that
/// exactly one row changed.
/// </summary>
public static class ContestStore
{
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
        ContestCancelRequested request, DateTimeOffset requestedAt, TimeSpan lifetime)
    {
        var now = context.Clock.GetUtcNow();
        await context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.cancel_approvals (contest_id, operator, reason, requested_at)
            VALUES (@ContestId, @RequestedBy, @Reason, @requestedAt)
            ON CONFLICT (contest_id, operator)
            DO UPDATE SET reason = excluded.reason, requested_at = excluded.requested_at
            WHERE cancel_approvals.requested_at <= @expiredAt
            """,
            new { request.ContestId, request.RequestedBy, request.Reason, requestedAt, expiredAt = now - lifetime },
            context.Transaction);
        var rows = await context.Connection.QueryAsync<(string, string, DateTime)>("""
            SELECT operator, reason, requested_at FROM ingestion.cancel_approvals
            WHERE contest_id = @ContestId ORDER BY requested_at, operator
            """, new { request.ContestId }, context.Transaction);
        return [.. rows.Select(r => new CancelApprovals.Request(r.Item1, r.Item2,
            new DateTimeOffset(DateTime.SpecifyKind(r.Item3, DateTimeKind.Utc))))];
    }
}
