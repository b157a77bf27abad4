using System.Text.Json;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Games;
using Dapper;

namespace ContestPipeline.Scoring.Contests;

/// <summary>
/// Every read and write of the referee's contests and their entries. A contest's state changes only through
/// <see cref="MoveAsync"/>, which checks the move against the lifecycle table and that exactly one row changed; a
/// stored state it does not know is a bug, never read as SCHEDULED.
/// </summary>
public static class ContestStore
{
    private static string Name(ContestState state) => ContestLifecycle.Name(state);

    internal static ContestState Parse(string contestId, string? name) =>
        ContestLifecycle.TryParse(name, out var state)
            ? state
            : throw new InvariantViolatedException($"contest {contestId} has unknown state '{name}'");

    /// <summary>The states whose boards are live (kept in boards).</summary>
    internal static string[] LiveStates =>
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

    /// <summary>
    /// The lifecycle states of <paramref name="contestIds"/> as committed (any instance's referee may have moved them).
    /// </summary>
    public static async Task<IReadOnlyList<(string ContestId, ContestState State)>> StatesAsync(
        TransactionContext context, string[] contestIds) =>
        [.. (await context.Connection.QueryAsync<(string ContestId, string State)>(
            "SELECT contest_id, state FROM scoring.contests WHERE contest_id = ANY(@contestIds)", new { contestIds },
            context.Transaction))
            .Select(r => (r.ContestId, Parse(r.ContestId, r.State)))];

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
        var slateEnd = await GameStore.SlateEndAsync(context, definition);
        var phases = await GameStore.GamePhasesAsync(context, definition.GameIds);
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
    /// Records, once, that the referee alerted on a contest held LIVE past its slate's end; false when it had.
    /// </summary>
    public static async Task<bool> MarkHeldAlertedAsync(TransactionContext context, string contestId) =>
        await context.Connection.ExecuteAsync(
            "UPDATE scoring.contests SET held_alerted_at = @now WHERE contest_id = @contestId " +
            "AND held_alerted_at IS NULL",
            new { contestId, now = context.Clock.GetUtcNow() }, context.Transaction) == 1;
}
