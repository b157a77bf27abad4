using Dapper;
using Npgsql;

namespace ContestPipeline.Operations.Queries.Store;

#pragma warning disable CA1819 // rows are read-only views of the read model
public sealed record ContestRow
{
    public string ContestId { get; init; } = "";
    public string? Title { get; init; }
    public string? Kind { get; init; }
    public string? Currency { get; init; }
    public long? EntryFeeMinor { get; init; }
    public DateTimeOffset? LockAt { get; init; }
    public string State { get; init; } = "";
    public string? StateReason { get; init; }
    public DateTimeOffset? StateAt { get; init; }
    public int EntryCount { get; init; }
    public string? StandingsHash { get; init; }
    public string? InputsHash { get; init; }
    public string? EntriesHash { get; init; }
    public string? Settled { get; init; }
    public string? Paid { get; init; }
    public string? Definition { get; init; }
}

public sealed record TimelineRow(string MessageId, DateTimeOffset At, string Kind, string Summary);

public sealed record PayoutView
{
    public string PayoutId { get; init; } = "";
    public string ContestId { get; init; } = "";
    public string EntryId { get; init; } = "";
    public string PlayerId { get; init; } = "";
    public string Kind { get; init; } = "";
    public int Rank { get; init; }
    public long GrossMinor { get; init; }
    public long FeeMinor { get; init; }
    public long NetMinor { get; init; }
    public string Currency { get; init; } = "";
    public DateTimeOffset OrderedAt { get; init; }
    public string State { get; init; } = "";
    public string? HoldKind { get; init; }
    public string Reason { get; init; } = "";

    /// <summary>Payout's own version of the row, as its last status change said; a decision names it.</summary>
    public int Version { get; init; }
    public string? TransferId { get; init; }
    public DateTimeOffset? PaidAt { get; init; }
    public long ReversedMinor { get; init; }
    public int Approvals { get; init; }
    public string? ApprovedBy { get; init; }
}

public sealed record HistoryRow
{
    public string MessageId { get; init; } = "";
    public string SubjectId { get; init; } = "";
    public DateTimeOffset At { get; init; }
    public string Event { get; init; } = "";
    public string? State { get; init; }
    public string? HoldKind { get; init; }
    public string? Operator { get; init; }
    public string Reason { get; init; } = "";
    public long? AmountMinor { get; init; }
    public string? Currency { get; init; }
}

public sealed record AlertRow
{
    public string AlertId { get; init; } = "";
    public string Source { get; init; } = "";
    public string Severity { get; init; } = "";
    public string Code { get; init; } = "";
    public string Subject { get; init; } = "";
    public string Message { get; init; } = "";
    public DateTimeOffset RaisedAt { get; init; }
    public string State { get; init; } = "";
    public string? AckedBy { get; init; }
    public DateTimeOffset? AckedAt { get; init; }
    public string? AckNote { get; init; }
    public string? ResolvedBy { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    public string? ResolveNote { get; init; }
}

public sealed record SnapshotRow(DateTimeOffset TakenAt, string Currency, long AvailableMinor, long PendingMinor,
    long ObligationsMinor, long ReserveMinor,
    string Status, long? ChangePerDayMinor, int? DaysToEmpty);

public sealed record EarningsRow(string PlayerId, string ContestId, string Currency, long WonMinor, long FeesMinor,
    long PaidMinor, long PendingMinor, int? Year);

public sealed record TaxRow(string PlayerId, string Currency, long PaidMinor, long FeesMinor, int Payouts);

public sealed record RefundView(string RefundId, string ContestId, string PlayerId, string PaymentIntentId,
    long AmountMinor, string Currency, string Reason,
    string State, DateTimeOffset OrderedAt, DateTimeOffset? ResolvedAt);

public sealed record RejectionRow(string SubmissionId, string PlayerId, string PaymentIntentId, string Reason,
    string? RefundId, DateTimeOffset At);

public sealed record StandingView(int Rank, string EntryId, string PlayerId, long ScoreMilli);

public sealed record DispatchRow(bool Halted, string? DecisionId, string? Operator, string? Reason,
    DateTimeOffset? ChangedAt);

public sealed record AuditRow(string ActionId, string Operator, string Role, string Action, string Subject,
    string Reason, string Outcome, string Tool, DateTimeOffset At);

public sealed record MakeGoodView(int CorrectionsSoFar, string Assessment, DateTimeOffset AssessedAt,
    string? ProposalId, string? ProposedBy, string? ProposalReason,
    string? ConfirmedBy);

public sealed record WebhookTypeRow(string Type, long Received, long Handled, long NotHandled,
    DateTimeOffset LastReceived);

public sealed record StripeEventRow(string EventId, string Type, string? ObjectId, string? Account,
    DateTimeOffset ReceivedAt, string? Outcome);
#pragma warning restore CA1819

/// <summary>
/// Every read the console makes, all of the operations read model (schema <c>operations</c>),
/// never a worker's own tables: the console's database role needs SELECT on that schema only.
/// </summary>
public sealed class ReadQueries(NpgsqlDataSource db)
{
    public const int PageSize = 50;

    private async Task<List<T>> ListAsync<T>(string sql, object? args = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        return [.. await conn.QueryAsync<T>(sql, args)];
    }

    private async Task<T?> OneAsync<T>(string sql, object? args = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QueryFirstOrDefaultAsync<T>(sql, args);
    }

    // ---- dashboard -----------------------------------------------------------------------------------

    public Task<List<(string State, long Count)>> ContestsByStateAsync() =>
        ListAsync<(string, long)>("SELECT state, count(*) FROM operations.contests GROUP BY state ORDER BY state");

    public Task<List<(string Severity, long Count)>> OpenAlertsBySeverityAsync() =>
        ListAsync<(string, long)>("SELECT severity, count(*) FROM operations.alerts WHERE state <> 'resolved' " +
            "GROUP BY severity ORDER BY severity");

    /// <summary>
    /// Collected (fees of contests not yet PAID or CANCELLED), pools (SETTLED, not PAID), payable (prizes ordered, not
    /// paid or rejected), paid since <paramref name="dayStart"/>.
    /// </summary>
    public Task<(long Collected, long Pools, long Payable, long PaidToday)> MoneyInFlightAsync(string currency,
        DateTimeOffset dayStart) =>
        OneAsync<(long, long, long, long)>("""
            SELECT
              coalesce((SELECT sum(e.amount_minor)
                        FROM operations.entries e JOIN operations.contests c USING (contest_id)
                        WHERE e.currency = @currency AND c.state NOT IN ('PAID', 'CANCELLED')), 0)::bigint,
              coalesce((SELECT sum((settled ->> 'poolMinor')::bigint) FROM operations.contests
                        WHERE state = 'SETTLED' AND currency = @currency), 0)::bigint,
              coalesce((SELECT sum(net_minor) FROM operations.payouts
                        WHERE currency = @currency AND state NOT IN ('paid', 'rejected')), 0)::bigint,
              coalesce((SELECT sum(net_minor) FROM operations.payouts
                        WHERE currency = @currency AND paid_at >= @dayStart), 0)::bigint
            """, new { currency, dayStart });

    // ---- contests ------------------------------------------------------------------------------------

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

    // ---- payouts -------------------------------------------------------------------------------------

    private const string PayoutColumns = """
        payout_id, contest_id, entry_id, player_id, kind, rank, gross_minor, fee_minor, net_minor, currency, ordered_at,
            state, hold_kind, reason,
        version, transfer_id, paid_at, reversed_minor, approvals, approved_by
        """;

    public Task<List<PayoutView>> PayoutsAsync(string? state, string? holdKind, string? contestId, string? playerId,
        int page) =>
        ListAsync<PayoutView>($"""
            SELECT {PayoutColumns} FROM operations.payouts
            WHERE (@state::text IS NULL OR state = @state) AND (@holdKind::text IS NULL OR hold_kind = @holdKind)
              AND (@contestId::text IS NULL OR contest_id = @contestId)
                  AND (@playerId::text IS NULL OR player_id = @playerId)
            ORDER BY ordered_at DESC, payout_id LIMIT @limit OFFSET @offset
            """, new { state, holdKind, contestId, playerId, limit = PageSize, offset = page * PageSize });

    public Task<List<PayoutView>> ContestPayoutsAsync(string contestId) =>
        ListAsync<PayoutView>($"SELECT {PayoutColumns} FROM operations.payouts WHERE contest_id = @contestId " +
            "ORDER BY rank, entry_id", new { contestId });

    public Task<PayoutView?> PayoutAsync(string payoutId) =>
        OneAsync<PayoutView>($"SELECT {PayoutColumns} FROM operations.payouts WHERE payout_id = @payoutId",
            new { payoutId });

    public Task<List<PayoutView>> HeldAsync() =>
        ListAsync<PayoutView>($"SELECT {PayoutColumns} FROM operations.payouts WHERE state IN ('held', 'failed') " +
            "ORDER BY hold_kind NULLS LAST, ordered_at, payout_id");

    public Task<List<HistoryRow>> HistoryAsync(string subjectId) =>
        ListAsync<HistoryRow>("""
            SELECT message_id, subject_id, at, event, state, hold_kind, operator, reason, amount_minor, currency
            FROM operations.money_history WHERE subject_id = @subjectId ORDER BY at, message_id
            """, new { subjectId });

    public Task<DispatchRow?> DispatchAsync() =>
        OneAsync<DispatchRow>("SELECT halted, decision_id, operator, reason, changed_at FROM operations.dispatch");

    // ---- alerts --------------------------------------------------------------------------------------

    public Task<List<AlertRow>> AlertsAsync(string? state, string? severity, string? code, int page) =>
        ListAsync<AlertRow>("""
            SELECT alert_id, source, severity, code, subject, message, raised_at, state, acked_by, acked_at, ack_note,
                resolved_by, resolved_at, resolve_note
            FROM operations.alerts
            WHERE (@state::text IS NULL OR state = @state) AND (@severity::text IS NULL OR severity = @severity)
                AND (@code::text IS NULL OR code = @code)
            ORDER BY raised_at DESC, alert_id LIMIT @limit OFFSET @offset
            """, new { state, severity, code, limit = PageSize, offset = page * PageSize });

    public Task<AlertRow?> AlertAsync(string alertId) =>
        OneAsync<AlertRow>("""
            SELECT alert_id, source, severity, code, subject, message, raised_at, state, acked_by, acked_at, ack_note,
                resolved_by, resolved_at, resolve_note
            FROM operations.alerts WHERE alert_id = @alertId
            """, new { alertId });

    /// <summary>A subject's alerts of one code, newest first (e.g. a contest's cancel awaiting a second one).</summary>
    public Task<List<AlertRow>> SubjectAlertsAsync(string subject, string code) =>
        ListAsync<AlertRow>("""
            SELECT alert_id, source, severity, code, subject, message, raised_at, state, acked_by, acked_at, ack_note,
                   resolved_by, resolved_at, resolve_note
            FROM operations.alerts WHERE subject = @subject AND code = @code ORDER BY raised_at DESC, alert_id
            """, new { subject, code });

    public Task<List<string>> AlertCodesAsync() =>
        ListAsync<string>("SELECT DISTINCT code FROM operations.alerts ORDER BY code");

    // ---- balance and webhooks --------------------------------------------------------------------------

    public Task<List<SnapshotRow>> SnapshotsAsync(int limit) =>
        ListAsync<SnapshotRow>("""
            SELECT *
            FROM (SELECT taken_at, currency, available_minor, pending_minor, obligations_minor, reserve_minor, status,
                                  change_per_day_minor, days_to_empty
                           FROM operations.balance_snapshots ORDER BY taken_at DESC LIMIT @limit) s ORDER BY taken_at
            """, new { limit });

    public Task<long> ObligationsAsync(string currency) =>
        OneAsync<long>("""
            SELECT coalesce((SELECT sum(net_minor) FROM operations.payouts
                             WHERE currency = @currency AND state NOT IN ('paid', 'rejected')), 0)
                 + coalesce((SELECT sum(amount_minor) FROM operations.refunds
                             WHERE currency = @currency AND state = 'ordered'), 0)
            """, new { currency });

    public Task<List<WebhookTypeRow>> WebhookTypesAsync() =>
        ListAsync<WebhookTypeRow>("""
            SELECT type, count(*) AS received, count(outcome) FILTER (WHERE outcome <> 'not handled') AS handled,
                   count(*) FILTER (WHERE outcome = 'not handled') AS not_handled, max(received_at) AS last_received
            FROM operations.stripe_events GROUP BY type ORDER BY type
            """);

    public Task<List<StripeEventRow>> StripeEventsAsync(string? type, int page) =>
        ListAsync<StripeEventRow>("""
            SELECT event_id, type, object_id, account, received_at, outcome FROM operations.stripe_events
            WHERE (@type::text IS NULL OR type = @type) ORDER BY received_at DESC, event_id LIMIT @limit OFFSET @offset
            """, new { type, limit = PageSize, offset = page * PageSize });

    public Task<List<AlertRow>> WebhookFailuresAsync() =>
        ListAsync<AlertRow>("""
            SELECT alert_id, source, severity, code, subject, message, raised_at, state, acked_by, acked_at, ack_note,
                resolved_by, resolved_at, resolve_note
            FROM operations.alerts WHERE subject LIKE 'stripe.events%' OR message LIKE '%stripe.events%'
                OR code LIKE 'webhook%'
            ORDER BY raised_at DESC LIMIT 50
            """);

    // ---- players ---------------------------------------------------------------------------------------

    public Task<List<(string PlayerId, long Entries, long Payouts)>> PlayersAsync(string? search, int page) =>
        ListAsync<(string, long, long)>("""
            SELECT p.player_id, (SELECT count(*) FROM operations.entries e WHERE e.player_id = p.player_id),
                   (SELECT count(*) FROM operations.payouts o WHERE o.player_id = p.player_id)
            FROM (SELECT player_id FROM operations.entries UNION SELECT player_id FROM operations.payouts) p
            WHERE @search::text IS NULL OR p.player_id ILIKE '%' || @search || '%'
            ORDER BY p.player_id LIMIT @limit OFFSET @offset
            """, new { search, limit = PageSize, offset = page * PageSize });

    /// <summary>
    /// A player's earnings per contest: won (gross), fees withheld, paid (net transferred, less reversed), pending (net
    /// not yet paid nor rejected).
    /// </summary>
    public Task<List<EarningsRow>> EarningsAsync(string playerId) =>
        ListAsync<EarningsRow>("""
            SELECT player_id, contest_id, currency, sum(gross_minor)::bigint AS won_minor,
                sum(fee_minor)::bigint AS fees_minor,
                   sum(CASE WHEN state = 'paid' THEN net_minor - reversed_minor ELSE 0 END)::bigint AS paid_minor,
                   sum(CASE WHEN state NOT IN ('paid', 'rejected') THEN net_minor ELSE 0 END)::bigint AS pending_minor,
                   min(extract(year FROM paid_at AT TIME ZONE 'UTC'))::int AS year
            FROM operations.payouts WHERE player_id = @playerId GROUP BY player_id, contest_id, currency
            ORDER BY contest_id
            """, new { playerId });

    /// <summary>
    /// A player's entries, prizes and payouts, and totals, for the platform's app (its read API's one query).
    /// </summary>
    public async Task<Domain.PlayerStatement> PlayerStatementAsync(string playerId)
    {
        await using var conn = await db.OpenConnectionAsync();
        var entries = (await conn.QueryAsync<Domain.StatementEntry>("""
            SELECT e.entry_id, e.contest_id, c.title AS contest_title, coalesce(c.state, 'SCHEDULED') AS contest_state,
                e.amount_minor AS fee_minor,
                   e.currency, e.accepted_at
            FROM operations.entries e LEFT JOIN operations.contests c USING (contest_id)
            WHERE e.player_id = @playerId ORDER BY e.accepted_at, e.entry_id
            """, new { playerId })).ToList();
        var rows = (await conn.QueryAsync<(string PayoutId, string ContestId, string Kind, int Rank, long Gross,
            long Fee, long Net, string Currency,
            string State, long Reversed, DateTimeOffset OrderedAt, DateTimeOffset? PaidAt)>("""
            SELECT payout_id, contest_id, kind, rank, gross_minor, fee_minor, net_minor, currency, state,
                reversed_minor, ordered_at, paid_at
            FROM operations.payouts WHERE player_id = @playerId ORDER BY ordered_at, payout_id
            """, new { playerId })).ToList();
        var prizes = rows.Select(r =>
            new Domain.StatementPrize(r.PayoutId, r.ContestId, r.Kind, r.Rank, r.Gross, r.Fee, r.Net, r.Currency,
            Domain.PlayerStatement.PlayerStatus(r.State, r.Reversed), r.OrderedAt, r.PaidAt)).ToList();
        return new Domain.PlayerStatement(playerId, entries, prizes,
            Domain.PlayerStatement.Total(prizes,
                rows.ToDictionary(r => r.PayoutId, r => r.Reversed, StringComparer.Ordinal)));
    }

    /// <summary>Each recipient's prizes paid in a calendar year (UTC), the figure reported for tax.</summary>
    public Task<List<TaxRow>> TaxYearAsync(int year) =>
        ListAsync<TaxRow>("""
            SELECT player_id, currency, sum(net_minor - reversed_minor)::bigint AS paid_minor,
                sum(fee_minor)::bigint AS fees_minor, count(*)::int AS payouts
            FROM operations.payouts WHERE state = 'paid' AND paid_at >= @from AND paid_at < @to
            GROUP BY player_id, currency ORDER BY paid_minor DESC, player_id
            """,
            new { from = new DateTimeOffset(year, 1, 1, 0, 0, 0, TimeSpan.Zero),
                to = new DateTimeOffset(year + 1, 1, 1, 0, 0, 0, TimeSpan.Zero) });

    /// <summary>Operators' actions of one kind on a subject (e.g. each cancel of a contest), oldest first.</summary>
    public Task<List<AuditRow>> SubjectAuditAsync(string subject, string action) =>
        ListAsync<AuditRow>("""
            SELECT action_id, operator, role, action, subject, reason, outcome, tool, at FROM operations.audit
            WHERE subject = @subject AND action = @action ORDER BY at, action_id
            """, new { subject, action });

    public Task<List<AuditRow>> AuditAsync(int page) =>
        ListAsync<AuditRow>("""
            SELECT action_id, operator, role, action, subject, reason, outcome, tool, at FROM operations.audit
            ORDER BY at DESC, action_id LIMIT @limit OFFSET @offset
            """, new { limit = PageSize, offset = page * PageSize });
}
