using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Recipients;

/// <summary>
/// payout.balance_reads: the winners' connected accounts whose balance and bank payouts are to be read from Stripe
/// again. A request is claimed for a lease (a second Payout process does not make the same read); a new request frees
/// the claim, so a read that began before it is made again; one not completed is read again when its lease lapses.
/// </summary>
public static class BalanceReadStore
{
    /// <summary>An account to read, claimed, with the time of the request the read answers.</summary>
    public sealed record Wanted(string AccountId, string PlayerId, DateTimeOffset RequestedAt);

    /// <summary>Asks for a read of the player's account (again, if one is waiting or under way).</summary>
    public static Task RequestAsync(TransactionContext context, string accountId, string playerId) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO payout.balance_reads (account_id, player_id, requested_at) VALUES (@accountId, @playerId, @now)
            ON CONFLICT (account_id) DO UPDATE SET player_id = excluded.player_id,
                requested_at = greatest(balance_reads.requested_at, excluded.requested_at), claimed_until = NULL
            """, new { accountId, playerId, now = context.Clock.GetUtcNow() }, context.Transaction);

    public static async Task<IReadOnlyList<Wanted>> ClaimAsync(TransactionContext context, int limit, TimeSpan lease)
    {
        var now = context.Clock.GetUtcNow();
        return [.. (await context.Connection.QueryAsync<(string, string, DateTime)>("""
            UPDATE payout.balance_reads r SET claimed_until = @until
            WHERE r.account_id IN (
                SELECT account_id FROM payout.balance_reads WHERE claimed_until IS NULL OR claimed_until <= @now
                ORDER BY requested_at, account_id LIMIT @limit FOR UPDATE SKIP LOCKED)
            RETURNING r.account_id, r.player_id, r.requested_at
            """, new { now, until = now + lease, limit }, context.Transaction))
            .Select(r => new Wanted(r.Item1, r.Item2,
                new DateTimeOffset(DateTime.SpecifyKind(r.Item3, DateTimeKind.Utc))))];
    }

    /// <summary>
    /// Keeps the claims of reads still being made (a newer request, which cleared its claim, is left alone).
    /// </summary>
    public static Task<int> RenewAsync(TransactionContext context, IReadOnlyCollection<string> accountIds,
        DateTimeOffset until) =>
        context.Connection.ExecuteAsync("""
            UPDATE payout.balance_reads SET claimed_until = @until
            WHERE account_id = ANY(@ids) AND claimed_until IS NOT NULL AND claimed_until < @until
            """, new { ids = accountIds.ToArray(), until }, context.Transaction);

    /// <summary>
    /// What the read found, published for the read model (keyed by the player), and the request done unless another
    /// was made after it (then the account is read again).
    /// </summary>
    public static async Task RecordAsync(TransactionContext context, Wanted read, RecipientBalanceRead found)
    {
        context.Publish(Topics.PayoutsStatus, read.PlayerId,
            RecipientBalanceRead.MessageIdFor(read.AccountId, found.ReadAt), found);
        await context.Connection.ExecuteAsync(
            "DELETE FROM payout.balance_reads WHERE account_id = @AccountId AND requested_at <= @RequestedAt",
            read, context.Transaction);
    }

    /// <summary>The account is not Stripe's (any more): nothing to read, nothing published.</summary>
    public static Task DropAsync(TransactionContext context, Wanted read) =>
        context.Connection.ExecuteAsync(
            "DELETE FROM payout.balance_reads WHERE account_id = @AccountId AND requested_at <= @RequestedAt",
            read, context.Transaction);
}
