using ContestPipeline.Rules.Ledger;
using Dapper;
using Npgsql;

namespace ContestPipeline.Operations.Queries.Ledger;

/// <summary>
/// The ledger's promises, checked from Settlement's tables at any moment, reading only (the
/// read-only role may): by an operator (cpctl ledger check), by the demo and the fault campaign,
/// by tests after any crash or replay. Each check returns what is wrong, one line per problem
/// naming the journal entry or account and its amount; none means the promise holds.
/// </summary>
public static class LedgerCheckStore
{
    /// <summary>How many journal entries the book holds, to say what a check covered.</summary>
    public static Task<long> JournalEntryCountAsync(NpgsqlConnection connection) =>
        connection.ExecuteScalarAsync<long>("SELECT count(*) FROM settlement.journal");

    /// <summary>The whole book: every journal entry balances, and the book sums to zero, in each currency.</summary>
    public static async Task<IReadOnlyList<string>> BookAsync(NpgsqlConnection connection)
    {
        var unbalanced = await connection.QueryAsync<(string JournalId, string Currency, long Sum)>("""
            SELECT journal_id, currency, sum(amount_minor)::bigint FROM settlement.postings
            GROUP BY journal_id, currency HAVING sum(amount_minor) <> 0 ORDER BY journal_id
            """);
        var book = await connection.QueryAsync<(string Currency, long Sum)>(
            "SELECT currency, sum(amount_minor)::bigint FROM settlement.postings " +
            "GROUP BY currency HAVING sum(amount_minor) <> 0 ORDER BY currency");
        return
        [
            .. unbalanced.Select(u => $"journal entry {u.JournalId} does not balance in {u.Currency}: {u.Sum}"),
            .. book.Select(b => $"the book does not sum to zero in {b.Currency}: {b.Sum}"),
        ];
    }

    /// <summary>
    /// A contest's balances by account, over the journal entries recorded for it, accounts in ordinal order.
    /// </summary>
    public static async Task<IReadOnlyList<AccountBalance>> ContestBalancesAsync(NpgsqlConnection connection,
        string contestId) =>
        [.. await connection.QueryAsync<AccountBalance>("""
            SELECT p.account AS Account, p.currency AS Currency, sum(p.amount_minor)::bigint AS BalanceMinor
            FROM settlement.postings p JOIN settlement.journal j USING (journal_id)
            WHERE j.contest_id = @contestId GROUP BY p.account, p.currency ORDER BY p.account COLLATE "C", p.currency
            """, new { contestId })];

    /// <summary>
    /// A contest's accounts for its state. SETTLED or PAID: its entry-fee and prize-pool
    /// accounts are zero (every fee kept went to the house or the pool, the pool to prizes and
    /// fees). PAID: its winners' prizes payable are zero too, over its own journal entries (a
    /// player's payable account is shared by their contests), so the contest's accounts are
    /// closed. CANCELLED: its entry-fee account holds exactly the fees not refunded yet, zero
    /// once every refund is recorded.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ContestAsync(NpgsqlConnection connection, string contestId)
    {
        var stateName = await connection.QueryFirstOrDefaultAsync<string>(
            "SELECT state FROM settlement.contests WHERE contest_id = @contestId", new { contestId });
        if (stateName is null) return [$"contest {contestId} is not known to settlement"];
        // Settlement's states as it stores them (OPEN, COMPLETE, SETTLED, PAID, CANCELLED).
        var (settled, paid, cancelled) = (stateName == "SETTLED", stateName == "PAID", stateName == "CANCELLED");
        var balances = await ContestBalancesAsync(connection, contestId);
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        if (settled || paid || cancelled) expected[Accounts.EntryFees(contestId)] = 0;
        if (settled || paid) expected[Accounts.PrizePool(contestId)] = 0;
        if (paid)
            foreach (var player in await connection.QueryAsync<string>("SELECT DISTINCT player_id " +
                "FROM settlement.payouts WHERE contest_id = @contestId", new { contestId }))
                expected[Accounts.PrizesPayable(player)] = 0;
        if (cancelled)
            expected[Accounts.EntryFees(contestId)] = -await connection.ExecuteScalarAsync<long>("""
                SELECT coalesce(sum(e.amount_minor), 0)::bigint FROM settlement.entries e
                WHERE e.contest_id = @contestId
                  AND NOT EXISTS (SELECT 1 FROM settlement.refund_orders r WHERE r.entry_id = e.entry_id
                      AND r.refunded_at IS NOT NULL)
                """, new { contestId });
        // A contest's own accounts and its winners' payables move only in its currency.
        return
        [
            .. expected.Select(x =>
                (Account: x.Key, Expected: x.Value,
                    Actual: balances.Where(b => b.Account == x.Key).Sum(b => b.BalanceMinor)))
                .Where(x => x.Actual != x.Expected)
                .Select(x => $"contest {contestId} ({stateName}): {x.Account} is {x.Actual}, expected {x.Expected}"),
        ];
    }

    /// <summary>
    /// Of <paramref name="contestIds"/>, the CANCELLED ones with an entry fee whose refund is not recorded yet:
    /// their entry-fee account still holds those fees, as it should, but is not closed.
    /// </summary>
    public static async Task<IReadOnlyList<string>> RefundsPendingAsync(NpgsqlConnection connection,
        IReadOnlyList<string> contestIds) =>
        [.. await connection.QueryAsync<string>("""
            SELECT c.contest_id FROM settlement.contests c
            WHERE c.state = 'CANCELLED' AND c.contest_id = ANY(@contestIds)
              AND EXISTS (SELECT 1 FROM settlement.entries e WHERE e.contest_id = c.contest_id
                  AND NOT EXISTS (SELECT 1 FROM settlement.refund_orders r WHERE r.entry_id = e.entry_id
                      AND r.refunded_at IS NOT NULL))
            ORDER BY c.contest_id COLLATE "C"
            """, new { contestIds = contestIds.ToArray() })];

    /// <summary>
    /// What winners owe back of prizes taken back (clawbacks that fell short), per winner and currency, as the ledger
    /// holds it (<c>player:&lt;id&gt;:clawback_receivable</c>), beside what Settlement's payouts record still owed:
    /// each pair must agree. Returns the problems, and what is outstanding.
    /// </summary>
    public static async Task<(IReadOnlyList<string> Problems, IReadOnlyList<AccountBalance> Outstanding)>
        ReceivablesAsync(NpgsqlConnection connection)
    {
        var rows = (await connection.QueryAsync<(string Account, string Currency, long Ledger, long Recorded)>("""
            WITH ledger AS (
                SELECT account, currency, sum(amount_minor)::bigint AS minor FROM settlement.postings
                WHERE account LIKE 'player:%' AND account LIKE '%' || @suffix GROUP BY account, currency),
            recorded AS (
                SELECT 'player:' || player_id || @suffix AS account, currency, sum(receivable_minor)::bigint AS minor
                FROM settlement.payouts WHERE receivable_minor IS NOT NULL GROUP BY 1, currency)
            SELECT account, currency, coalesce(l.minor, 0), coalesce(r.minor, 0)
            FROM ledger l FULL JOIN recorded r USING (account, currency)
            ORDER BY account COLLATE "C", currency
            """, new { suffix = ReceivableSuffix })).ToList();
        return (
            [.. rows.Where(r => r.Ledger != r.Recorded).Select(r => $"{r.Account} holds {r.Ledger} {r.Currency}, " +
                $"the payouts record {r.Recorded} still owed")],
            [.. rows.Where(r => r.Ledger != 0).Select(r => new AccountBalance(r.Account, r.Currency, r.Ledger))]);
    }

    /// <summary>
    /// What a winner still owes back on one payout, as Settlement records it, with the payout's contest, winner and
    /// currency; null when Settlement has no such payout or nothing was ever owed on it.
    /// </summary>
    public static Task<(string ContestId, string PlayerId, string Currency, long OwedMinor)?> OwedOnAsync(
        NpgsqlConnection connection, string payoutId) =>
        connection.QueryFirstOrDefaultAsync<(string, string, string, long)?>("""
            SELECT contest_id, player_id, currency, receivable_minor FROM settlement.payouts
            WHERE payout_id = @payoutId AND receivable_minor IS NOT NULL
            """, new { payoutId });

    /// <summary>":clawback_receivable": how every winner's receivable account ends.</summary>
    private static readonly string ReceivableSuffix = Accounts.ClawbackReceivable("")["player:".Length..];

    /// <summary>
    /// Disputes' funds (<see cref="Accounts.DisputedFunds"/>), dispute by dispute over its journal entries (named by
    /// <see cref="DisputeJournal"/>, the dispute id second in each journal id): none holds less than nothing (more
    /// reinstated or lost than it withdrew), and one booked lost holds nothing. Returns the problems, and what open
    /// disputes hold (withdrawn from the Stripe balance, not yet won back or lost).
    /// </summary>
    public static async Task<(IReadOnlyList<string> Problems, IReadOnlyList<AccountBalance> Open)>
        DisputesAsync(NpgsqlConnection connection)
    {
        var rows = (await connection.QueryAsync<(string Dispute, string Currency, long Held, bool Lost)>("""
            SELECT split_part(j.journal_id, ':', 2), p.currency, sum(p.amount_minor)::bigint,
                   bool_or(j.kind = @lost)
            FROM settlement.journal j JOIN settlement.postings p USING (journal_id)
            WHERE j.kind IN (@withdrawal, @reinstatement, @lost) AND p.account = @account
            GROUP BY 1, 2 ORDER BY split_part(j.journal_id, ':', 2) COLLATE "C", p.currency
            """, new
        {
            account = Accounts.DisputedFunds, withdrawal = DisputeJournal.WithdrawalKind,
            reinstatement = DisputeJournal.ReinstatementKind, lost = DisputeJournal.LostKind,
        })).ToList();
        return (
            [.. rows.Where(r => r.Held < 0 || (r.Lost && r.Held != 0)).Select(r =>
                $"dispute {r.Dispute} holds {r.Held} {r.Currency} of disputed funds" +
                (r.Lost ? " after its loss was booked" : ": more came back than it withdrew"))],
            [.. rows.Where(r => !r.Lost && r.Held > 0).Select(r => new AccountBalance(r.Dispute, r.Currency, r.Held))]);
    }

    /// <summary>The contests whose accounts a state closes (SETTLED, PAID, CANCELLED), in ordinal order.</summary>
    public static async Task<IReadOnlyList<string>> ClosedContestsAsync(NpgsqlConnection connection) =>
        [.. await connection.QueryAsync<string>(
            "SELECT contest_id FROM settlement.contests WHERE state IN ('SETTLED', 'PAID', 'CANCELLED') " +
            "ORDER BY contest_id COLLATE \"C\"")];
}
