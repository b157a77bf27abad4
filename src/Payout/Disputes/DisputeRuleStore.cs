using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Disputes;

/// <summary>
/// What the dispute rules (<see cref="DisputeRules"/>) read and keep: payout.payments (whose entry fee each payment
/// is) and a player's disputes and refunds made outside the pipeline (payout.freezes, dated). How many operators'
/// resumes end the halt a surge makes is <see cref="Controls.DispatchStore"/>'s.
/// </summary>
public static class DisputeRuleStore
{
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
        [.. (await context.Connection.QueryAsync<(string PaymentIntentId, string Id, string Cause, DateTime At)>("""
            SELECT f.payment_intent_id, f.freeze_id AS id, f.cause, f.occurred_at FROM payout.freezes f
            WHERE f.occurred_at > @since AND f.payment_intent_id IN (
                SELECT payment_intent_id FROM payout.payments WHERE player_id = @playerId
                UNION SELECT payment_intent_id FROM payout.payouts
                      WHERE player_id = @playerId AND payment_intent_id IS NOT NULL)
            ORDER BY f.occurred_at, f.freeze_id
            """, new { playerId, since }, context.Transaction))
            .Select(f => new Chargeback(f.PaymentIntentId, f.Id, Freezes.ParseCause(f.Id, f.Cause),
                PayoutStore.Utc(f.At)!.Value))];

    /// <summary>
    /// The date of every dispute, each once by its id, less than <paramref name="window"/> from <paramref name="at"/>.
    /// </summary>
    public static async Task<IReadOnlyList<DateTimeOffset>> DisputesAroundAsync(TransactionContext context,
        DateTimeOffset at, TimeSpan window) =>
        [.. await context.Connection.QueryAsync<DateTimeOffset>("""
            SELECT min(occurred_at) FROM payout.freezes
            WHERE cause = @disputed AND occurred_at > @from AND occurred_at < @to
            GROUP BY freeze_id ORDER BY 1
            """, new { disputed = Freezes.CauseName(FreezeCause.Disputed), from = at - window, to = at + window },
            context.Transaction)];
}
