using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Authorizations;

/// <summary>
/// What Settlement authorized per contest, and the prize orders counted against it. Every
/// order Payout records takes its net amount and one payout from its contest's budget in the
/// same transaction; the table's check keeps what is taken within what was authorized.
/// </summary>
public static class AuthorizationStore
{
    /// <summary>
    /// Records an authorization once (its id is the key) and adds it to its contest's budget, with the contest's
    /// guarantee as the operators sealed it (<paramref name="guaranteedMinor"/>, 0 for none; the greatest stands).
    /// The same id with other content is refused: the first stands.
    /// </summary>
    public static async Task RecordAsync(TransactionContext context, ContestPayoutsAuthorized a, string authorizedBy,
        long guaranteedMinor = 0)
    {
        var inserted = await context.Connection.ExecuteAsync("""
            INSERT INTO payout.payout_authorizations (authorization_id, contest_id, payouts, net_total_minor, currency,
                authorized_at, authorized_by, recorded_at)
            VALUES (@AuthorizationId, @ContestId, @Payouts, @NetTotalMinor, @Currency, @AuthorizedAt, @authorizedBy,
                @now)
            ON CONFLICT (authorization_id) DO NOTHING
            """, new { a.AuthorizationId, a.ContestId, a.Payouts, a.NetTotalMinor, a.Currency, a.AuthorizedAt,
                authorizedBy, now = context.Clock.GetUtcNow() },
            context.Transaction) == 1;
        if (!inserted)
        {
            var first = await context.Connection.QuerySingleAsync<(string ContestId, int Payouts,
                long NetTotalMinor, string Currency)>(
                "SELECT contest_id, payouts, net_total_minor, currency FROM payout.payout_authorizations WHERE " +
                "authorization_id = @AuthorizationId", new { a.AuthorizationId }, context.Transaction);
            if (first != (a.ContestId, a.Payouts, a.NetTotalMinor, a.Currency))
                throw new MessageRejectedException(
                    $"payout authorization {a.AuthorizationId}: published again with other content ({a.Payouts} " +
                    $"payouts, {a.NetTotalMinor} {a.Currency} for {a.ContestId}; " +
                    $"first {first.Payouts} payouts, {first.NetTotalMinor} {first.Currency} for {first.ContestId}); " +
                    "the first stands", AlertSeverities.Critical);
            return;
        }
        var currency = await context.Connection.QueryFirstOrDefaultAsync<string?>("""
            INSERT INTO payout.contest_payout_budgets AS b (contest_id, currency, authorized_payouts,
                authorized_net_minor, guaranteed_minor)
            VALUES (@ContestId, @Currency, @Payouts, @NetTotalMinor, @guaranteedMinor)
            ON CONFLICT (contest_id) DO UPDATE
                SET authorized_payouts = b.authorized_payouts + excluded.authorized_payouts,
                    authorized_net_minor = b.authorized_net_minor + excluded.authorized_net_minor,
                    guaranteed_minor = greatest(b.guaranteed_minor, excluded.guaranteed_minor)
                WHERE b.currency = excluded.currency
            RETURNING currency
            """, new { a.ContestId, a.Currency, a.Payouts, a.NetTotalMinor, guaranteedMinor }, context.Transaction);
        if (currency is null)
            throw new MessageRejectedException(
                $"payout authorization {a.AuthorizationId}: contest {a.ContestId} is authorized in another currency " +
                $"than {a.Currency}", AlertSeverities.Critical);
    }

    /// <summary>
    /// Takes a run of orders from their contests' budgets at once, each contest's count and total in one step:
    /// false when any contest's would pass what was authorized (or none was); the caller then rolls back.
    /// </summary>
    public static async Task<bool> TakeAllAsync(TransactionContext context, IReadOnlyList<PrizePayoutOrdered> orders)
    {
        var takes = orders.GroupBy(o => (o.ContestId, o.Currency))
            .Select(g => (g.Key.ContestId, g.Key.Currency, Count: g.Count(), Net: g.Sum(o => o.NetMinor))).ToList();
        var taken = await context.Connection.ExecuteAsync("""
            UPDATE payout.contest_payout_budgets b
            SET ordered_payouts = b.ordered_payouts + t.n, ordered_net_minor = b.ordered_net_minor + t.net
            FROM unnest(@contests, @currencies, @counts, @nets) AS t(contest_id, currency, n, net)
            WHERE b.contest_id = t.contest_id AND b.currency = t.currency
              AND b.ordered_payouts + t.n <= b.authorized_payouts
              AND b.ordered_net_minor + t.net <= b.authorized_net_minor
            """, new
            {
                contests = takes.Select(t => t.ContestId).ToArray(),
                currencies = takes.Select(t => t.Currency).ToArray(),
                counts = takes.Select(t => t.Count).ToArray(), nets = takes.Select(t => t.Net).ToArray(),
            }, context.Transaction);
        return taken == takes.Count;
    }

    /// <summary>
    /// Takes one payout of <paramref name="netMinor"/> from the contest's budget, or refuses the
    /// order (critical: it tried to move money nobody authorized) saying which limit it passed.
    /// </summary>
    public static async Task TakeAsync(TransactionContext context, PrizePayoutOrdered order)
    {
        var taken = await context.Connection.ExecuteAsync("""
            UPDATE payout.contest_payout_budgets
            SET ordered_payouts = ordered_payouts + 1, ordered_net_minor = ordered_net_minor + @NetMinor
            WHERE contest_id = @ContestId AND currency = @Currency
              AND ordered_payouts + 1 <= authorized_payouts AND ordered_net_minor + @NetMinor <= authorized_net_minor
            """, new { order.ContestId, order.Currency, order.NetMinor }, context.Transaction);
        if (taken == 1) return;
        var budget = await context.Connection.QueryFirstOrDefaultAsync<(string Currency, int Authorized,
            long AuthorizedNet, int Ordered, long OrderedNet)?>("""
            SELECT currency, authorized_payouts, authorized_net_minor, ordered_payouts, ordered_net_minor
            FROM payout.contest_payout_budgets WHERE contest_id = @ContestId
            """, new { order.ContestId }, context.Transaction);
        var why = budget switch
        {
            null => $"Settlement authorized no payouts for contest {order.ContestId} (no " +
                "settlement of it is known here)",
            { } b when b.Currency != order.Currency =>
                $"contest {order.ContestId} is authorized in {b.Currency}, the order is in {order.Currency}",
            { } b when b.Ordered + 1 > b.Authorized =>
                $"contest {order.ContestId} is authorized {b.Authorized} payouts and {b.Ordered} are ordered already",
            { } b => $"contest {order.ContestId} is authorized {b.AuthorizedNet} {b.Currency} net; " +
                $"{b.OrderedNet} is ordered already, and {order.NetMinor} more would pass it",
        };
        throw new MessageRejectedException(
            $"payout {order.PayoutId} of {order.NetMinor} {order.Currency} to {order.PlayerId} refused: {why}",
            AlertSeverities.Critical);
    }
}
