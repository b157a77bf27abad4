using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Recipients;

/// <summary>
/// payout.bank_payouts: winners' payouts from their connected accounts to their banks, as Stripe tells them.
/// </summary>
public static class BankPayoutStore
{
    /// <summary>The status as stored: paid, failed.</summary>
    public static string StatusName(BankPayoutStatus status) => status switch
    {
        BankPayoutStatus.Paid => "paid",
        BankPayoutStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "not a bank payout status"),
    };

    /// <summary>Records a bank payout, or what a later event says of it.</summary>
    public static Task UpsertAsync(TransactionContext context, string stripePayoutId,
        string accountId, long amountMinor, string currency, BankPayoutStatus status, string? failureCode) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO payout.bank_payouts (stripe_payout_id, account_id, amount_minor, currency, status, failure_code,
                updated_at)
            VALUES (@stripePayoutId, @accountId, @amountMinor, @currency, @status, @failureCode, @now)
            ON CONFLICT (stripe_payout_id) DO UPDATE SET status = excluded.status, failure_code = excluded.failure_code,
                updated_at = excluded.updated_at
            """, new { stripePayoutId, accountId, amountMinor, currency, status = StatusName(status), failureCode,
                now = context.Clock.GetUtcNow() },
            context.Transaction);
}
