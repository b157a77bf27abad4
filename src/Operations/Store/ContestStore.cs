using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;
using Dapper;
using static ContestPipeline.Operations.Store.ReadModelStore;

namespace ContestPipeline.Operations.Store;

/// <summary>
/// Contests as the read model shows them: their row (state, hashes, settlement and PAID
/// records), their timeline, entries and rejections, final standings and make-goods.
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

    /// <summary>
    /// A run of accepted entries, each with the message that brought it: each message on its contest's timeline, each
    /// entry recorded once and counted once; the entries it recorded (not those recorded already).
    /// </summary>
    public static async Task<HashSet<string>> EntriesAcceptedAsync(HandlerContext context,
        IReadOnlyList<(EntryAccepted Entry, Envelope Message, string Summary)> run)
    {
        await ExecuteAsync(context, """
            INSERT INTO operations.contests (contest_id, state)
            SELECT DISTINCT c, 'UNKNOWN' FROM unnest(@contests) AS t(c) ORDER BY 1 ON CONFLICT DO NOTHING
            """, new { contests = run.Select(r => r.Entry.ContestId).ToArray() });
        var once = run.DistinctBy(r => r.Message.MessageId, StringComparer.Ordinal).ToList();
        await ExecuteAsync(context, """
            INSERT INTO operations.contest_events (message_id, contest_id, at, kind, summary)
            SELECT id, c, at, 'entry_accepted', summary
            FROM unnest(@ids, @contests, @ats, @summaries) AS t(id, c, at, summary)
            ON CONFLICT DO NOTHING
            """, new
        {
            ids = once.Select(r => r.Message.MessageId).ToArray(),
            contests = once.Select(r => r.Entry.ContestId).ToArray(),
            ats = once.Select(r => r.Message.OccurredAt).ToArray(), summaries = once.Select(r => r.Summary).ToArray(),
        });
        var entries = run.Select(r => r.Entry).DistinctBy(e => e.EntryId, StringComparer.Ordinal).ToList();
        var inserted = (await context.Connection.QueryAsync<(string EntryId, string ContestId)>("""
            INSERT INTO operations.entries (entry_id, contest_id, player_id, payment_intent_id, amount_minor, currency,
                accepted_at)
            SELECT * FROM unnest(@ids, @contests, @players, @payments, @amounts, @currencies, @ats)
            ON CONFLICT DO NOTHING
            RETURNING entry_id, contest_id
            """, new
        {
            ids = entries.Select(e => e.EntryId).ToArray(), contests = entries.Select(e => e.ContestId).ToArray(),
            players = entries.Select(e => e.PlayerId).ToArray(),
            payments = entries.Select(e => e.PaymentIntentId).ToArray(),
            amounts = entries.Select(e => e.AmountMinor).ToArray(),
            currencies = entries.Select(e => e.Currency).ToArray(),
            ats = entries.Select(e => e.AcceptedAt).ToArray(),
        }, context.Transaction)).ToList();
        var counts = inserted.GroupBy(r => r.ContestId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        await ExecuteAsync(context, """
            UPDATE operations.contests c SET entry_count = c.entry_count + t.n
            FROM unnest(@contests, @counts) AS t(contest_id, n) WHERE c.contest_id = t.contest_id
            """, new
        {
            contests = counts.Select(g => g.Key).ToArray(), counts = counts.Select(g => g.Count()).ToArray(),
        });
        return [.. inserted.Select(r => r.EntryId)];
    }

    /// <summary>A rejected submission; false when it was recorded already.</summary>
    public static async Task<bool> EntryRejectedAsync(HandlerContext context, EntryRejected rejected) =>
        await ExecuteAsync(context, """
            INSERT INTO operations.rejections (submission_id, contest_id, player_id, payment_intent_id, reason,
                refund_id, at)
            VALUES (@SubmissionId, @ContestId, @PlayerId, @PaymentIntentId, @Reason, @RefundId, @at)
            ON CONFLICT DO NOTHING
            """, new
        {
            rejected.SubmissionId, rejected.ContestId, rejected.PlayerId, rejected.PaymentIntentId, rejected.Reason,
            rejected.RefundId,
            at = At(context),
        }) == 1;

    public static async Task FinalStandingsAsync(HandlerContext context, FinalStandingsPublished chunk)
    {
        var rows = chunk.Rows;
        await EnsureAsync(context, chunk.ContestId);
        await ExecuteAsync(context, """
            INSERT INTO operations.final_standings (contest_id, chunk_index, position, rank, entry_id, player_id,
                score_milli)
            SELECT @contestId, @chunk, p, r, e, pl, s
            FROM unnest(@positions, @ranks, @entries, @players, @scores) AS u(p, r, e, pl, s)
            ON CONFLICT DO NOTHING
            """, new
        {
            contestId = chunk.ContestId, chunk = chunk.ChunkIndex,
            positions = Enumerable.Range(0, rows.Count).ToArray(),
            ranks = rows.Select(r => r.Rank).ToArray(), entries = rows.Select(r => r.EntryId).ToArray(),
            players = rows.Select(r => r.PlayerId).ToArray(), scores = rows.Select(r => r.ScoreMilli).ToArray(),
        });
    }

    public static Task MakeGoodsAssessedAsync(HandlerContext context, MakeGoodsAssessed assessed) =>
        ExecuteAsync(context, """
            INSERT INTO operations.make_goods (contest_id, corrections_so_far, assessment, assessed_at)
            VALUES (@ContestId, @CorrectionsSoFar, @assessment::jsonb, @AssessedAt) ON CONFLICT DO NOTHING
            """,
            new { assessed.ContestId, assessed.CorrectionsSoFar, assessment = Json(assessed), assessed.AssessedAt });

    public static Task MakeGoodProposedAsync(HandlerContext context, MakeGoodProposed proposed) =>
        ExecuteAsync(context, """
            INSERT INTO operations.make_good_proposals (proposal_id, contest_id, corrections_so_far, total_minor,
                currency, proposed_by, reason,
                proposed_at)
            VALUES (@DecisionId, @ContestId, @CorrectionsSoFar, @TotalMinor, @Currency, @Operator, @Reason, @DecidedAt)
            ON CONFLICT DO NOTHING
            """, proposed);

    /// <summary>
    /// Confirmed by a second approver only: a proposer confirming their own proposal changes nothing here either.
    /// </summary>
    public static Task MakeGoodConfirmedAsync(HandlerContext context, MakeGoodConfirmed confirmed) =>
        ExecuteAsync(context, """
            UPDATE operations.make_good_proposals SET confirmed_by = @Operator, confirmed_at = @DecidedAt
            WHERE proposal_id = @ProposalId AND confirmed_by IS NULL AND lower(proposed_by) <> lower(@Operator)
            """, confirmed);
}
