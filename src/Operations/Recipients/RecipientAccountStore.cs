using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Operations.Recipients;

/// <summary>
/// operations.recipient_accounts, recipient_balances and bank_payouts: each winner's connected account as Payout last
/// read it from Stripe. Reads may arrive in any order (a replay, two Payout processes): a read older than the one kept
/// changes nothing it saw less recently, so the balance is always the latest read's and each bank payout the latest
/// word on it.
/// </summary>
public static class RecipientAccountStore
{
    public static async Task ApplyAsync(TransactionContext context, RecipientBalanceRead read)
    {
        var newer = await context.Connection.ExecuteAsync("""
            INSERT INTO operations.recipient_accounts AS a (player_id, account_id, read_at)
            VALUES (@PlayerId, @AccountId, @ReadAt)
            ON CONFLICT (player_id) DO UPDATE SET account_id = excluded.account_id, read_at = excluded.read_at
            WHERE a.read_at < excluded.read_at
            """, new { read.PlayerId, read.AccountId, read.ReadAt }, context.Transaction) == 1;
        if (newer)
        {
            await context.Connection.ExecuteAsync(
                "DELETE FROM operations.recipient_balances WHERE player_id = @PlayerId",
                new { read.PlayerId }, context.Transaction);
            await context.Connection.ExecuteAsync("""
                INSERT INTO operations.recipient_balances (player_id, currency, available_minor, pending_minor)
                VALUES (@playerId, @Currency, @AvailableMinor, @PendingMinor)
                """, read.Balances.Select(b => new { playerId = read.PlayerId, b.Currency, b.AvailableMinor,
                b.PendingMinor }), context.Transaction);
        }
        await context.Connection.ExecuteAsync("""
            INSERT INTO operations.bank_payouts AS p (stripe_payout_id, player_id, account_id, amount_minor, currency,
                status, arrival_date, failure_code, created_at, read_at)
            VALUES (@StripePayoutId, @playerId, @accountId, @AmountMinor, @Currency, @Status, @ArrivalDate,
                @FailureCode, @CreatedAt, @readAt)
            ON CONFLICT (stripe_payout_id) DO UPDATE SET status = excluded.status, failure_code = excluded.failure_code,
                arrival_date = excluded.arrival_date, read_at = excluded.read_at
            WHERE p.read_at < excluded.read_at
            """, read.BankPayouts.Select(p => new { p.StripePayoutId, playerId = read.PlayerId,
            accountId = read.AccountId, p.AmountMinor, p.Currency, p.Status, p.ArrivalDate, p.FailureCode, p.CreatedAt,
            readAt = read.ReadAt }), context.Transaction);
    }
}
