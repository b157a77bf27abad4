using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Unclaimed;

/// <summary>
/// payout.unclaimed_reminders (payout/0023), and the prizes still waiting for their winners' accounts.
/// </summary>
public static class UnclaimedStore
{
    /// <summary>A prize waiting for its winner's account, with the last reminder day sent (0: none).</summary>
    public sealed record Waiting(string PayoutId, string PlayerId, string ContestId, long AmountMinor, string Currency,
        DateTime OrderedAtUtc, int LastSent)
    {
        public DateTimeOffset OrderedAt => new(DateTime.SpecifyKind(OrderedAtUtc, DateTimeKind.Utc));
    }

    /// <summary>Prizes waiting for an account at least a day after they were won, oldest first, locked.</summary>
    public static async Task<IReadOnlyList<Waiting>> WaitingAsync(TransactionContext context, int limit) =>
        [.. await context.Connection.QueryAsync<Waiting>("""
            SELECT p.payout_id AS PayoutId, p.player_id AS PlayerId, p.contest_id AS ContestId,
                p.amount_minor AS AmountMinor, p.currency AS Currency, p.ordered_at AS OrderedAtUtc,
                coalesce((SELECT max(r.day) FROM payout.unclaimed_reminders r WHERE r.payout_id = p.payout_id), 0)
                    AS LastSent
            FROM payout.payouts p
            WHERE p.state = @awaiting AND p.ordered_at <= @dayAgo
              AND coalesce((SELECT max(r.day) FROM payout.unclaimed_reminders r WHERE r.payout_id = p.payout_id), 0)
                  < @lastDay
            ORDER BY p.ordered_at, p.payout_id LIMIT @limit
            FOR UPDATE OF p SKIP LOCKED
            """, new
        {
            awaiting = PayoutLifecycle.Name(PayoutState.AwaitingAccount), limit,
            dayAgo = context.Clock.GetUtcNow().AddDays(-1), lastDay = UnclaimedPolicy.DecisionDay,
        }, context.Transaction)];

    /// <summary>Records a reminder day sent; false when it was sent before.</summary>
    public static async Task<bool> SentAsync(TransactionContext context, string payoutId, int day) =>
        await context.Connection.ExecuteAsync("""
            INSERT INTO payout.unclaimed_reminders (payout_id, day, sent_at) VALUES (@payoutId, @day, @now)
            ON CONFLICT DO NOTHING
            """, new { payoutId, day, now = context.Clock.GetUtcNow() }, context.Transaction) == 1;
}
