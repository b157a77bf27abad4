using ContestPipeline.Rules.Ledger;
using Dapper;
using Npgsql;

namespace ContestPipeline.Operations.Queries.Revenue;

/// <summary>
/// The platform's revenue streams as the ledger holds them, reading Settlement's journal as the read-only role: each
/// stream account's postings summed by UTC day, UTC month or contest (the day or month its journal entry was recorded
/// in; a dispute's entries belong to no contest, a payment's fee to the contest it paid for), and the same accounts'
/// whole-book balances to reconcile the report's totals against.
/// </summary>
public static class RevenueStore
{
    /// <summary>The accounts a revenue report reads, in the order it shows them, and every sponsor's funding.</summary>
    public static readonly string[] StreamAccounts =
    [
        Accounts.RakeRevenue, Accounts.FeeRevenue, Accounts.HouseTake, Accounts.WithheldPrizes, Accounts.OverlayExpense,
        Accounts.DisputeFees, Accounts.DisputeLosses, Accounts.PaymentFees,
    ];

    /// <summary>
    /// Each stream account's sum per group and currency (debits positive, credits negative), for journal entries
    /// recorded from <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive), either open.
    /// </summary>
    public static async Task<IReadOnlyList<RevenuePosting>> PostingsAsync(NpgsqlConnection connection,
        RevenueGrouping by, DateTimeOffset? from, DateTimeOffset? to) =>
        [.. await connection.QueryAsync<RevenuePosting>($"""
            SELECT {GroupExpression(by)} AS GroupKey, p.account AS Account, p.currency AS Currency,
                   sum(p.amount_minor)::bigint AS AmountMinor
            FROM settlement.postings p JOIN settlement.journal j USING (journal_id)
            WHERE (p.account = ANY(@accounts) OR p.account LIKE @sponsors)
              AND (@from::timestamptz IS NULL OR j.recorded_at >= @from)
              AND (@to::timestamptz IS NULL OR j.recorded_at < @to)
            GROUP BY 1, 2, 3
            """, new { accounts = StreamAccounts, sponsors = Accounts.SponsorFundingLike, from, to })];

    /// <summary>The stream accounts' balances over the whole book, per currency.</summary>
    public static async Task<IReadOnlyList<RevenuePosting>> BalancesAsync(NpgsqlConnection connection) =>
        [.. await connection.QueryAsync<RevenuePosting>("""
            SELECT '' AS GroupKey, account AS Account, currency AS Currency, sum(amount_minor)::bigint AS AmountMinor
            FROM settlement.postings WHERE account = ANY(@accounts) OR account LIKE @sponsors GROUP BY account, currency
            """, new { accounts = StreamAccounts, sponsors = Accounts.SponsorFundingLike })];

    private static string GroupExpression(RevenueGrouping by) => by switch
    {
        RevenueGrouping.Day => "to_char(j.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        RevenueGrouping.Month => "to_char(j.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM')",
        RevenueGrouping.Contest => "coalesce(j.contest_id, '(no contest)')",
        _ => throw new ArgumentOutOfRangeException(nameof(by), by, "a revenue report groups by day, month or contest"),
    };
}
