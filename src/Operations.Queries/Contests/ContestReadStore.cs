using Npgsql;

namespace ContestPipeline.Operations.Queries.Contests;

/// <summary>
/// Contests as the console and cpctl read them: the list, a contest's row and timeline, its standings,
/// rejections, refunds, entry totals and make-goods, and what became of a paid submission.
/// Reads the operations read model only (schema <c>operations</c>).
/// </summary>
public sealed class ContestReadStore(NpgsqlDataSource db) : ReadStore(db)
{
    public Task<List<(string State, long Count)>> ContestsByStateAsync() =>
        ListAsync<(string, long)>("SELECT state, count(*) FROM operations.contests GROUP BY state ORDER BY state");

    public Task<List<ContestRow>> ContestsAsync(string? state, string? search, int page) =>
        ListAsync<ContestRow>("""
            SELECT contest_id, title, kind, currency, entry_fee_minor, lock_at, state, state_reason, state_at,
                entry_count
            FROM operations.contests
            WHERE (@state::text IS NULL OR state = @state)
                AND (@search::text IS NULL OR contest_id ILIKE '%' || @search || '%'
                    OR title ILIKE '%' || @search || '%')
            ORDER BY lock_at DESC NULLS LAST, contest_id LIMIT @limit OFFSET @offset
            """, new { state, search, limit = PageSize, offset = page * PageSize });

    public Task<ContestRow?> ContestAsync(string contestId) =>
        OneAsync<ContestRow>("""
            SELECT contest_id, title, kind, currency, entry_fee_minor, lock_at, state, state_reason, state_at,
                entry_count, standings_hash, inputs_hash,
                   entries_hash, settled::text, paid::text, definition::text
            FROM operations.contests WHERE contest_id = @contestId
            """, new { contestId });

    public Task<List<TimelineRow>> TimelineAsync(string contestId) =>
        ListAsync<TimelineRow>("SELECT message_id, at, kind, summary FROM operations.contest_events " +
            "WHERE contest_id = @contestId ORDER BY at, message_id",
            new { contestId });

    public Task<List<StandingView>> TopStandingsAsync(string contestId, int limit) =>
        ListAsync<StandingView>("""
            SELECT rank, entry_id, player_id, score_milli FROM operations.final_standings WHERE contest_id = @contestId
            ORDER BY chunk_index, position LIMIT @limit
            """, new { contestId, limit });

    /// <summary>A contest's newest live standings (leaders as JSON), or null before Scoring published any.</summary>
    public Task<LiveStandingsView?> LiveStandingsAsync(string contestId) =>
        OneAsync<LiveStandingsView>("""
            SELECT version, entry_count, computed_at, leaders::text AS leaders FROM operations.live_standings
            WHERE contest_id = @contestId
            """, new { contestId });

    public Task<List<RejectionRow>> RejectionsAsync(string contestId) =>
        ListAsync<RejectionRow>("""
            SELECT submission_id, player_id, payment_intent_id, reason, refund_id, at FROM operations.rejections
            WHERE contest_id = @contestId ORDER BY at, submission_id
            """, new { contestId });

    public Task<List<RefundView>> RefundsAsync(string contestId) =>
        ListAsync<RefundView>("""
            SELECT refund_id, contest_id, player_id, payment_intent_id, amount_minor, currency, reason, state,
                ordered_at, resolved_at
            FROM operations.refunds WHERE contest_id = @contestId ORDER BY ordered_at, refund_id
            """, new { contestId });

    /// <summary>
    /// What became of a paid submission, by its PaymentIntent: the entry it made, or why it was
    /// rejected; neither while Ingestion has not decided it (or the read model not heard yet).
    /// </summary>
    public Task<(string? EntryId, string? Rejection)> SubmissionOutcomeAsync(string contestId,
        string paymentIntentId) =>
        OneAsync<(string?, string?)>("""
            SELECT (SELECT entry_id FROM operations.entries WHERE contest_id = @contestId
                AND payment_intent_id = @paymentIntentId),
                   (SELECT reason FROM operations.rejections WHERE contest_id = @contestId
                       AND payment_intent_id = @paymentIntentId
                    ORDER BY at DESC LIMIT 1)
            """, new { contestId, paymentIntentId });

    public Task<(long Count, long Fees)> EntryTotalsAsync(string contestId) =>
        OneAsync<(long, long)>("SELECT count(*), coalesce(sum(amount_minor), 0)::bigint FROM operations.entries " +
            "WHERE contest_id = @contestId", new { contestId });

    public Task<List<MakeGoodView>> MakeGoodsAsync(string contestId) =>
        ListAsync<MakeGoodView>("""
            SELECT m.corrections_so_far, m.assessment::text, m.assessed_at, p.proposal_id, p.proposed_by,
                p.reason AS proposal_reason, p.confirmed_by
            FROM operations.make_goods m LEFT JOIN operations.make_good_proposals p
              ON p.contest_id = m.contest_id AND p.corrections_so_far = m.corrections_so_far
            WHERE m.contest_id = @contestId ORDER BY m.corrections_so_far, p.proposed_at
            """, new { contestId });
}
