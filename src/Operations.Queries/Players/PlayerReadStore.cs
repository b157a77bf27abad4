using Dapper;
using Npgsql;

namespace ContestPipeline.Operations.Queries.Players;

/// <summary>
/// Players as the console, cpctl and the platform's read API read them: the list, a player's earnings and
/// statement, and the prizes paid in a tax year.
/// Reads the operations read model only (schema <c>operations</c>).
/// </summary>
public sealed class PlayerReadStore(NpgsqlDataSource db) : ReadStore(db)
{
    public Task<List<(string PlayerId, long Entries, long Payouts)>> PlayersAsync(string? search, int page) =>
        ListAsync<(string, long, long)>("""
            SELECT p.player_id, (SELECT count(*) FROM operations.entries e WHERE e.player_id = p.player_id),
                   (SELECT count(*) FROM operations.payouts o WHERE o.player_id = p.player_id)
            FROM (SELECT player_id FROM operations.entries UNION SELECT player_id FROM operations.payouts) p
            WHERE @search::text IS NULL OR p.player_id ILIKE '%' || @search || '%'
            ORDER BY p.player_id LIMIT @limit OFFSET @offset
            """, new { search, limit = PageSize, offset = page * PageSize });

    /// <summary>
    /// A player's earnings per contest: won (gross), fees withheld, paid (net transferred, less reversed), pending (net
    /// not yet paid nor rejected).
    /// </summary>
    public Task<List<EarningsRow>> EarningsAsync(string playerId) =>
        ListAsync<EarningsRow>("""
            SELECT player_id, contest_id, currency, sum(gross_minor)::bigint AS won_minor,
                sum(fee_minor)::bigint AS fees_minor,
                   sum(CASE WHEN state = 'paid' THEN net_minor - reversed_minor ELSE 0 END)::bigint AS paid_minor,
                   sum(CASE WHEN state NOT IN ('paid', 'rejected') THEN net_minor ELSE 0 END)::bigint AS pending_minor,
                   min(extract(year FROM paid_at AT TIME ZONE 'UTC'))::int AS year
            FROM operations.payouts WHERE player_id = @playerId GROUP BY player_id, contest_id, currency
            ORDER BY contest_id
            """, new { playerId });

    /// <summary>
    /// A player's entries, prizes and payouts, and totals, and their account's balance and bank payouts, for the
    /// platform's app (its read API's statement).
    /// </summary>
    public async Task<PlayerStatement> PlayerStatementAsync(string playerId)
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        var entries = (await conn.QueryAsync<StatementEntry>("""
            SELECT e.entry_id, e.contest_id, c.title AS contest_title, coalesce(c.state, 'SCHEDULED') AS contest_state,
                e.amount_minor AS fee_minor,
                   e.currency, e.accepted_at
            FROM operations.entries e LEFT JOIN operations.contests c USING (contest_id)
            WHERE e.player_id = @playerId ORDER BY e.accepted_at, e.entry_id
            """, new { playerId })).ToList();
        var rows = (await conn.QueryAsync<(string PayoutId, string ContestId, string Kind, int Rank, long Gross,
            long Fee, long Net, string Currency,
            string State, long Reversed, DateTimeOffset OrderedAt, DateTimeOffset? PaidAt)>("""
            SELECT payout_id, contest_id, kind, rank, gross_minor, fee_minor, net_minor, currency, state,
                reversed_minor, ordered_at, paid_at
            FROM operations.payouts WHERE player_id = @playerId ORDER BY ordered_at, payout_id
            """, new { playerId })).ToList();
        var prizes = rows.Select(r =>
            new StatementPrize(r.PayoutId, r.ContestId, r.Kind, r.Rank, r.Gross, r.Fee, r.Net, r.Currency,
            PlayerStatement.PlayerStatus(r.State, r.Reversed), r.OrderedAt, r.PaidAt)).ToList();
        return new PlayerStatement(playerId, entries, prizes,
            PlayerStatement.Total(prizes,
                rows.ToDictionary(r => r.PayoutId, r => r.Reversed, StringComparer.Ordinal)),
            await AccountAsync(conn, playerId));
    }

    /// <summary>How many of a winner's bank payouts the statement lists, newest first.</summary>
    public const int BankPayoutsShownMax = 100;

    /// <summary>The winner's account as Payout last read it from Stripe; null when it never was.</summary>
    private static async Task<StatementAccount?> AccountAsync(NpgsqlConnection conn, string playerId)
    {
        var read = (await conn.QueryAsync<(string AccountId, DateTime ReadAt)>(
            "SELECT account_id, read_at FROM operations.recipient_accounts WHERE player_id = @playerId",
            new { playerId })).ToList();
        if (read.Count == 0) return null;
        var a = read[0];
        var balances = await conn.QueryAsync<StatementBalance>("""
            SELECT currency, available_minor, pending_minor FROM operations.recipient_balances
            WHERE player_id = @playerId ORDER BY currency
            """, new { playerId });
        var payouts = await conn.QueryAsync<StatementBankPayout>("""
            SELECT stripe_payout_id AS bank_payout_id, amount_minor, currency, status, arrival_date, failure_code,
                created_at
            FROM operations.bank_payouts WHERE player_id = @playerId
            ORDER BY created_at DESC, stripe_payout_id DESC LIMIT @limit
            """, new { playerId, limit = BankPayoutsShownMax });
        return new StatementAccount(a.AccountId, new DateTimeOffset(DateTime.SpecifyKind(a.ReadAt, DateTimeKind.Utc)),
            [.. balances], [.. payouts]);
    }

    /// <summary>Each recipient's prizes paid in a calendar year (UTC), the figure reported for tax.</summary>
    public Task<List<TaxRow>> TaxYearAsync(int year) =>
        ListAsync<TaxRow>("""
            SELECT player_id, currency, sum(net_minor - reversed_minor)::bigint AS paid_minor,
                sum(fee_minor)::bigint AS fees_minor, count(*)::int AS payouts
            FROM operations.payouts WHERE state = 'paid' AND paid_at >= @from AND paid_at < @to
            GROUP BY player_id, currency ORDER BY paid_minor DESC, player_id
            """,
            new { from = new DateTimeOffset(year, 1, 1, 0, 0, 0, TimeSpan.Zero),
                to = new DateTimeOffset(year + 1, 1, 1, 0, 0, 0, TimeSpan.Zero) });
}
