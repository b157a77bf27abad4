using ContestPipeline.Plumbing.Database;
using Dapper;
using Npgsql;

namespace ContestPipeline.Cpctl.Finance;

/// <summary>
/// What cpctl payouts reads from Payout's schema (as the operations role, which may read every schema).
/// </summary>
public static class PayoutStore
{
    static PayoutStore() => DapperDefaults.Apply();

    /// <summary>Payouts by state (<c>held</c>, or a hold as <c>held:review</c>) and contest, both optional.</summary>
    public static async Task<List<PayoutLine>> ListAsync(NpgsqlConnection connection, string? state, string? contest) =>
        [.. await connection.QueryAsync<PayoutLine>("""
            SELECT payout_id, contest_id, player_id, amount_minor, currency, state, hold_kind, version, reason,
                   coalesce(called_key = attempt_key, false) AS maybe_sent
            FROM payout.payouts
            WHERE (@state::text IS NULL OR state = @state OR state || ':' || hold_kind = @state)
              AND (@contest::text IS NULL OR contest_id = @contest)
            ORDER BY contest_id, payout_id
            """, new { state, contest })];

    /// <summary>
    /// The emergency stop as Payout has it: halted or not, and the halt in force (its id) while halted.
    /// </summary>
    public static Task<(bool Halted, string? DecisionId)> DispatchAsync(NpgsqlConnection connection) =>
        connection.QuerySingleAsync<(bool, string?)>("SELECT halted, decision_id FROM payout.dispatch");

    public static Task<PayoutLine?> FindAsync(NpgsqlConnection connection, string payoutId) =>
        connection.QueryFirstOrDefaultAsync<PayoutLine?>("""
            SELECT payout_id, contest_id, player_id, amount_minor, currency, state, hold_kind, version, reason,
                   coalesce(called_key = attempt_key, false) AS maybe_sent
            FROM payout.payouts
            WHERE payout_id = @payoutId
            """, new { payoutId });
}
