using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using static ContestPipeline.Operations.ReadModelStore;

namespace ContestPipeline.Operations.Contests;

/// <summary>
/// Contests as the read model shows them: their row (state, hashes, settlement and PAID
/// records) and their timeline, which every slice adds its facts to. A contest's entries,
/// standings and make-goods have stores of their own.
/// </summary>
public static class ContestStore
{
    /// <summary>
    /// A contest seen before its definition (topics are not ordered against each other) gets a placeholder row.
    /// </summary>
    public static Task EnsureAsync(HandlerContext context, string contestId) =>
        ExecuteAsync(context,
            "INSERT INTO operations.contests (contest_id, state) VALUES (@contestId, 'UNKNOWN') ON CONFLICT DO NOTHING",
            new { contestId });

    /// <summary>One fact on a contest's timeline.</summary>
    public static async Task TimelineAsync(HandlerContext context, string contestId, string kind, string summary)
    {
        await EnsureAsync(context, contestId);
        await ExecuteAsync(context, """
            INSERT INTO operations.contest_events (message_id, contest_id, at, kind, summary)
            VALUES (@id, @contestId, @at, @kind, @summary) ON CONFLICT DO NOTHING
            """, new { id = MessageId(context), contestId, at = At(context), kind, summary });
    }

    /// <summary>The definition, and SCHEDULED unless a later state arrived first.</summary>
    public static async Task ScheduledAsync(HandlerContext context, ContestDefined definition)
    {
        await EnsureAsync(context, definition.ContestId);
        await ExecuteAsync(context, """
            UPDATE operations.contests SET title = @Title, kind = @Kind, currency = @Currency,
                entry_fee_minor = @EntryFeeMinor,
                lock_at = @LockAt, definition = @definition::jsonb,
                state = CASE WHEN state = 'UNKNOWN' THEN 'SCHEDULED' ELSE state END,
                state_at = CASE WHEN state = 'UNKNOWN' THEN @at ELSE state_at END
            WHERE contest_id = @ContestId
            """, new
        {
            definition.Title, definition.Kind, definition.Currency, definition.EntryFeeMinor, definition.LockAt,
            definition = Json(definition), at = At(context), definition.ContestId,
        });
    }

    public static Task StateChangedAsync(HandlerContext context, ContestStateChanged change) =>
        ExecuteAsync(context,
            "UPDATE operations.contests SET state = @To, state_reason = @Reason, state_at = @ChangedAt " +
            "WHERE contest_id = @ContestId", change);

    public static Task EntriesClosedAsync(HandlerContext context, EntriesClosed closed) =>
        ExecuteAsync(context,
            "UPDATE operations.contests SET entries_hash = @EntriesHash WHERE contest_id = @ContestId", closed);

    public static Task CompletedAsync(HandlerContext context, ContestCompleted completed) =>
        ExecuteAsync(context,
            "UPDATE operations.contests SET standings_hash = @StandingsHash, inputs_hash = @InputsHash " +
            "WHERE contest_id = @ContestId", completed);

    public static Task SettledAsync(HandlerContext context, ContestSettled settled) =>
        ExecuteAsync(context, "UPDATE operations.contests SET settled = @record::jsonb WHERE contest_id = @ContestId",
            new { record = Json(settled), settled.ContestId });

    public static Task PaidAsync(HandlerContext context, ContestPaid paid) =>
        ExecuteAsync(context, "UPDATE operations.contests SET paid = @record::jsonb WHERE contest_id = @ContestId",
            new { record = Json(paid), paid.ContestId });
}
