using ContestPipeline.Payout.Domain;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Store;

/// <summary>
/// What the dispute rules (<see cref="DisputeRules"/>) read and keep: payout.payments (whose entry fee each payment
/// is), a player's disputes and refunds made outside the pipeline (payout.freezes, dated), and how many operators'
/// resumes end a halt (payout.halts.approvals_needed).
/// </summary>
public static class DisputeRuleStore
{
    /// <summary>The subject an automatic halt's resumes are approved under, in payout.release_approvals.</summary>
    public static string ApprovalSubject(string haltId) => "halt:" + haltId;

    /// <summary>What an approval of a resume names as the hold it decides.</summary>
    public const string ApprovalHoldKind = "halt";

    /// <summary>
    /// Records whose entry fee each payment is (payment intent → player); the payments it recorded, without those
    /// known already.
    /// </summary>
    public static async Task<HashSet<string>> RecordPaymentsAsync(TransactionContext context,
        IReadOnlyDictionary<string, string> players) =>
        [.. await context.Connection.QueryAsync<string>("""
            INSERT INTO payout.payments (payment_intent_id, player_id, recorded_at)
            SELECT p, player, @now FROM unnest(@payments, @players) AS t(p, player)
            ON CONFLICT (payment_intent_id) DO NOTHING
            RETURNING payment_intent_id
            """, new { payments = players.Keys.ToArray(), players = players.Values.ToArray(),
                now = context.Clock.GetUtcNow() }, context.Transaction)];

    /// <summary>
    /// The player's disputes and refunds made outside the pipeline since <paramref name="since"/>, on any payment
    /// Payout knows to be theirs: from its payment event, or a prize won with it (payments made before Payout kept
    /// their events are known by their prizes only).
    /// </summary>
    public static async Task<IReadOnlyList<Chargeback>> OfPlayerAsync(TransactionContext context, string playerId,
        DateTimeOffset since) =>
        [.. await context.Connection.QueryAsync<Chargeback>("""
            SELECT f.payment_intent_id, f.freeze_id AS id, f.cause, f.occurred_at FROM payout.freezes f
            WHERE f.occurred_at > @since AND f.payment_intent_id IN (
                SELECT payment_intent_id FROM payout.payments WHERE player_id = @playerId
                UNION SELECT payment_intent_id FROM payout.payouts
                      WHERE player_id = @playerId AND payment_intent_id IS NOT NULL)
            ORDER BY f.occurred_at, f.freeze_id
            """, new { playerId, since }, context.Transaction)];

    /// <summary>
    /// The date of every dispute, each once by its id, less than <paramref name="window"/> from <paramref name="at"/>.
    /// </summary>
    public static async Task<IReadOnlyList<DateTimeOffset>> DisputesAroundAsync(TransactionContext context,
        DateTimeOffset at, TimeSpan window) =>
        [.. await context.Connection.QueryAsync<DateTimeOffset>("""
            SELECT min(occurred_at) FROM payout.freezes
            WHERE cause = @disputed AND occurred_at > @from AND occurred_at < @to
            GROUP BY freeze_id ORDER BY 1
            """, new { disputed = Freezes.Disputed, from = at - window, to = at + window }, context.Transaction)];

    /// <summary>How many different operators' resumes end the halt (1 unless it was made automatically).</summary>
    public static Task<int> ApprovalsNeededAsync(TransactionContext context, string haltId) =>
        context.Connection.ExecuteScalarAsync<int>(
            "SELECT coalesce((SELECT approvals_needed FROM payout.halts WHERE halt_id = @haltId), 1)", new { haltId },
            context.Transaction);

    /// <summary>
    /// A halt about to supersede the halt in force needs as many operators' resumes as that one did (at least). The
    /// stop's row is locked first, so an automatic halt committed meanwhile is the one read.
    /// </summary>
    public static async Task KeepApprovalsNeededAsync(TransactionContext context, string haltId)
    {
        await context.Connection.ExecuteAsync("SELECT 1 FROM payout.dispatch FOR UPDATE",
            transaction: context.Transaction);
        await context.Connection.ExecuteAsync("""
            UPDATE payout.halts SET approvals_needed = greatest(approvals_needed, coalesce(
                (SELECT h.approvals_needed FROM payout.dispatch d JOIN payout.halts h ON h.halt_id = d.decision_id
                 WHERE d.halted AND h.halt_id <> @haltId), 1))
            WHERE halt_id = @haltId
            """, new { haltId }, context.Transaction);
    }

    /// <summary>The halt ends only when two different operators have resumed it.</summary>
    public static Task RequireTwoApprovalsAsync(TransactionContext context, string haltId) =>
        context.Connection.ExecuteAsync("UPDATE payout.halts SET approvals_needed = 2 WHERE halt_id = @haltId",
            new { haltId }, context.Transaction);
}
