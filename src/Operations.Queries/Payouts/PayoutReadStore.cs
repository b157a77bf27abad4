using Npgsql;

namespace ContestPipeline.Operations.Queries.Payouts;

/// <summary>
/// Payouts as the console and cpctl read them: lists and queues, one payout with its history, and whether
/// Payout dispatches.
/// Reads the operations read model only (schema <c>operations</c>).
/// </summary>
public sealed class PayoutReadStore(NpgsqlDataSource db) : ReadStore(db)
{
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
}
