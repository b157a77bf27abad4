using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Contests;
using Dapper;
using Npgsql;

namespace ContestPipeline.Settlement.Entries;

/// <summary>
/// The entries Settlement booked (settlement.entries) and the refunds of their fees it ordered
/// (settlement.refund_orders). An entry is booked only through <see cref="InsertEntriesAsync"/>, by
/// the handler that checked it; a refund is ordered once per PaymentIntent, forever.
/// </summary>
public static class EntryStore
{
    // ---- entries ------------------------------------------------------------------------------

    /// <summary>
    /// The entries recorded under any of <paramref name="entryIds"/> or paid with any of
    /// <paramref name="paymentIntentIds"/>.
    /// </summary>
    /// <remarks>
    /// Each key looked up through its own index, the two answers joined: as one <c>OR</c> the planner scanned every
    /// entry instead (15.6 ms for a run of 425 against 100,000 entries, 0.6 ms through the keys), growing with the
    /// entries recorded until a large table tipped it back.
    /// </remarks>
    public static async Task<RecordedEntries> EntriesRecordedAsync(TransactionContext context, string[] entryIds,
        string[] paymentIntentIds)
    {
        var recorded = new RecordedEntries();
        foreach (var e in await context.Connection.QueryAsync<(string, string, string, string, long, string)>("""
            SELECT entry_id, contest_id, player_id, payment_intent_id, amount_minor, currency
            FROM settlement.entries WHERE entry_id = ANY(@entryIds)
            UNION
            SELECT entry_id, contest_id, player_id, payment_intent_id, amount_minor, currency
            FROM settlement.entries WHERE payment_intent_id = ANY(@paymentIntentIds)
            """, new { entryIds, paymentIntentIds }, context.Transaction))
            recorded.Add(new BookedEntry(e.Item1, e.Item2, e.Item3, e.Item4, e.Item5, e.Item6));
        return recorded;
    }

    /// <summary>
    /// Books entries the handler has checked against the recorded ones, in one statement. Another transaction
    /// booking the same entry or payment first (two contests are two partitions) is a conflict, retried, so the
    /// handler's checks then see that row and decide; nothing is absorbed by the unique keys.
    /// </summary>
    public static async Task InsertEntriesAsync(TransactionContext context, IReadOnlyList<EntryAccepted> entries)
    {
        if (entries.Count == 0) return;
        try
        {
            await context.Connection.ExecuteAsync("""
                INSERT INTO settlement.entries (entry_id, contest_id, player_id, payment_intent_id, amount_minor,
                    currency)
                SELECT * FROM unnest(@ids, @contests, @players, @payments, @amounts, @currencies)
                """, new
            {
                ids = entries.Select(e => e.EntryId).ToArray(), contests = entries.Select(e => e.ContestId).ToArray(),
                players = entries.Select(e => e.PlayerId).ToArray(),
                payments = entries.Select(e => e.PaymentIntentId).ToArray(),
                amounts = entries.Select(e => e.AmountMinor).ToArray(),
                currencies = entries.Select(e => e.Currency).ToArray(),
            }, context.Transaction);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new ConcurrencyConflictException($"an entry of {string.Join(", ", entries.Select(e => e.EntryId))} " +
                $"was booked meanwhile: {e.ConstraintName}");
        }
    }

    public static async Task<IReadOnlyList<EntryFee>> EntryFeesAsync(TransactionContext context, string contestId) =>
        [.. await context.Connection.QueryAsync<EntryFee>(
            "SELECT entry_id, amount_minor, payment_intent_id FROM settlement.entries WHERE contest_id = @contestId " +
            "ORDER BY entry_id COLLATE \"C\"", new { contestId }, context.Transaction)];

    public static async Task<EntryRecord?> EntryByPaymentAsync(TransactionContext context, string paymentIntentId)
    {
        var row = await context.Connection.QueryFirstOrDefaultAsync<(string EntryId, string ContestId, string PlayerId,
            long Amount, string Currency, string State)?>("""
            SELECT e.entry_id, e.contest_id, e.player_id, e.amount_minor, e.currency, c.state
            FROM settlement.entries e JOIN settlement.contests c USING (contest_id)
            WHERE e.payment_intent_id = @paymentIntentId
            """, new { paymentIntentId }, context.Transaction);
        return row is { } r ? new EntryRecord(r.EntryId, r.ContestId, r.PlayerId, r.Amount, r.Currency,
            SettlementLifecycle.Parse(r.ContestId, r.State)) : null;
    }

    /// <summary>How many entries a contest has and the sum of their fees, without reading them.</summary>
    public static Task<(int Count, long FeesMinor)> EntryTotalsAsync(TransactionContext context, string contestId) =>
        context.Connection.QueryFirstAsync<(int Count, long FeesMinor)>(
            "SELECT count(*)::int, coalesce(sum(amount_minor), 0)::bigint FROM settlement.entries WHERE " +
            "contest_id = @contestId", new { contestId }, context.Transaction);

    /// <summary>
    /// The payments of the given entries, by entry id (an entry not recorded is absent): one probe of the entries'
    /// key per id. Asked as <c>entry_id = ANY(@ids)</c>, Postgres scanned every entry for a settlement chunk's 10,000
    /// winners (in parallel: three processes of about 65 ms each, each chunk, with a million entries); the lateral
    /// subquery, which the planner cannot fold into a join, keeps it to the ids' own index probes (about 30 ms).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string?>> PaymentsOfEntriesAsync(TransactionContext context,
        IEnumerable<string> entryIds) =>
        (await context.Connection.QueryAsync<(string EntryId, string? PaymentIntentId)>("""
            SELECT u.id, e.payment_intent_id FROM unnest(@ids::text[]) AS u(id)
            CROSS JOIN LATERAL (SELECT payment_intent_id FROM settlement.entries WHERE entry_id = u.id LIMIT 1) e
            """, new { ids = entryIds.Distinct(StringComparer.Ordinal).ToArray() }, context.Transaction))
            .ToDictionary(e => e.EntryId, e => e.PaymentIntentId, StringComparer.Ordinal);

    // ---- refunds ------------------------------------------------------------------------------

    /// <summary>A refund Settlement orders for a cancelled contest's entry.</summary>
    public sealed record RefundToOrder(string RefundId, string EntryId, string PlayerId, string PaymentIntentId,
        long AmountMinor, string Currency);

    /// <summary>
    /// Orders the refund of every entry of a cancelled contest that has none yet (one refund id
    /// per PaymentIntent, forever); returns those ordered now, in entry id order. A free entry paid nothing and has
    /// nothing to refund.
    /// </summary>
    public static async Task<IReadOnlyList<RefundToOrder>> OrderRefundsAsync(TransactionContext context,
        string contestId, string reason)
    {
        var entries = (await context.Connection.QueryAsync<(string EntryId, string PlayerId, string PaymentIntentId,
            long Amount, string Currency)>("""
            SELECT entry_id, player_id, payment_intent_id, amount_minor, currency FROM settlement.entries
            WHERE contest_id = @contestId AND amount_minor > 0 ORDER BY entry_id COLLATE "C"
            """, new { contestId }, context.Transaction))
            .Select(e => new RefundToOrder(RefundOrdered.RefundIdFor(e.PaymentIntentId), e.EntryId, e.PlayerId,
                e.PaymentIntentId, e.Amount, e.Currency))
            .ToList();
        if (entries.Count == 0) return [];
        var ordered = (await context.Connection.QueryAsync<string>("""
            INSERT INTO settlement.refund_orders (refund_id, contest_id, entry_id, payment_intent_id, amount_minor,
                currency, reason, ordered_at)
            SELECT r, @contestId, e, pi, a, cur, @reason, @now FROM unnest(@refunds, @entries, @payments, @amounts,
                @currencies) AS u(r, e, pi, a, cur)
            ON CONFLICT DO NOTHING RETURNING refund_id
            """, new
        {
            contestId, reason, now = context.Clock.GetUtcNow(),
            refunds = entries.Select(e => e.RefundId).ToArray(), entries = entries.Select(e => e.EntryId).ToArray(),
            payments = entries.Select(e => e.PaymentIntentId).ToArray(),
            amounts = entries.Select(e => e.AmountMinor).ToArray(),
            currencies = entries.Select(e => e.Currency).ToArray(),
        }, context.Transaction)).ToHashSet(StringComparer.Ordinal);
        return [.. entries.Where(e => ordered.Contains(e.RefundId))];
    }

    public static async Task RecordRefundAsync(TransactionContext context, string refundId, DateTimeOffset refundedAt,
        string? stripeRefundId) =>
        await context.Connection.ExecuteAsync(
            "UPDATE settlement.refund_orders SET refunded_at = @refundedAt, stripe_refund_id = @stripeRefundId " +
            "WHERE refund_id = @refundId", new { refundId, refundedAt, stripeRefundId }, context.Transaction);
}
