using ContestPipeline.Rules.Ledger;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Settlement.Ledger;

/// <summary>The ledger's Stripe balance per currency, and the checks made of it against Stripe's.</summary>
public static class BalanceCheckStore
{
    /// <summary>One currency's reading: the ledger's Stripe balance and how many postings made it.</summary>
    public sealed record LedgerReading(string Currency, long BalanceMinor, long Postings);

    /// <summary>A check as recorded.</summary>
    public sealed record Check(string Currency, long LedgerMinor, long LedgerPostings,
        long StripeMinor, long DriftMinor);

    public static async Task<IReadOnlyList<LedgerReading>> LedgerAsync(TransactionContext context) =>
        [.. await context.Connection.QueryAsync<LedgerReading>("""
            SELECT currency AS Currency, sum(amount_minor)::bigint AS BalanceMinor, count(*) AS Postings
            FROM settlement.postings WHERE account = @account GROUP BY currency ORDER BY currency
            """, new { account = Accounts.StripeBalance }, context.Transaction)];

    public static Task<Check?> LastAsync(TransactionContext context, string currency) =>
        context.Connection.QueryFirstOrDefaultAsync<Check?>("""
            SELECT currency AS Currency, ledger_minor AS LedgerMinor, ledger_postings AS LedgerPostings,
                stripe_minor AS StripeMinor, drift_minor AS DriftMinor
            FROM settlement.stripe_balance_checks WHERE currency = @currency ORDER BY checked_at DESC LIMIT 1
            """, new { currency }, context.Transaction);

    public static Task RecordAsync(TransactionContext context, Check check) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO settlement.stripe_balance_checks (checked_at, currency, ledger_minor, ledger_postings,
                stripe_minor, drift_minor)
            VALUES (@now, @Currency, @LedgerMinor, @LedgerPostings, @StripeMinor, @DriftMinor) ON CONFLICT DO NOTHING
            """, new { now = context.Clock.GetUtcNow(), check.Currency, check.LedgerMinor, check.LedgerPostings,
                check.StripeMinor, check.DriftMinor },
            context.Transaction);
}
