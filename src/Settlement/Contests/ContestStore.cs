using ContestPipeline.Rules.Ledger;
using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Ledger;
using Dapper;
using Npgsql;
using NpgsqlTypes;
using ContestPipeline.Rules.Prizes;

namespace ContestPipeline.Settlement.Contests;

/// <summary>A contest as Settlement recorded it.</summary>
public sealed record ContestRow(string ContestId, SettlementState State, ContestDefined Definition,
    ContestCompleted? Completed, string? CompletedBy);

/// <summary>A payout as Settlement ordered it, and what Payout has reported of it so far.</summary>
public sealed record PayoutRecord(
    string PayoutId,
    string ContestId,
    string EntryId,
    string PlayerId,
    long NetMinor,
    string Currency,
    string? TransferId,
    long ReversedMinor,
    bool Rejected,
    SettlementState ContestState)
{
    public Money Amount(long minor) => new(minor, Contracts.Currency.Parse(Currency));
}

/// <summary>An entry with its contest's state, as a refund of its fee needs it.</summary>
/// <summary>An entry as Settlement books it; the same facts again are the same entry.</summary>
public sealed record BookedEntry(string EntryId, string ContestId, string PlayerId, string PaymentIntentId,
    long AmountMinor, string Currency)
{
    public static BookedEntry Of(EntryAccepted entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new(entry.EntryId, entry.ContestId, entry.PlayerId, entry.PaymentIntentId, entry.AmountMinor,
            entry.Currency);
    }
}

/// <summary>Entries as Settlement recorded them (or as a run books them), by entry and by payment.</summary>
public sealed class RecordedEntries
{
    public Dictionary<string, BookedEntry> ByEntry { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, BookedEntry> ByPayment { get; } = new(StringComparer.Ordinal);

    public void Add(BookedEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ByEntry[entry.EntryId] = entry;
        ByPayment[entry.PaymentIntentId] = entry;
    }
}

public sealed record EntryRecord(string EntryId, string ContestId, string PlayerId, long AmountMinor, string Currency,
    SettlementState ContestState);

/// <summary>What a SETTLED contest's payouts have come to.</summary>
public sealed record PayoutTotals(int Count, int Paid, int Rejected, long PaidMinor, long WithheldMinor)
{
    public bool AllResolved => Paid + Rejected == Count;
}

/// <summary>
/// Every read and write of Settlement's tables (the ledger's are in <see cref="JournalStore"/>). A
/// contest's state changes only through <see cref="MoveAsync"/>, which checks the transition
/// against <see cref="SettlementLifecycle"/> and that exactly one row changed; anything else is a bug.
/// </summary>
public static class SettlementStore
{
    // ---- contests ---------------------------------------------------------------------------

    /// <summary>A contest Settlement has not seen, OPEN; false when it has.</summary>
    /// <summary>
    /// Records a contest OPEN, or finds it recorded with the same definition (a redelivery); false when it is
    /// recorded with another.
    /// </summary>
    public static async Task<bool> InsertContestAsync(TransactionContext context, ContestDefined definition) =>
        await context.Connection.ExecuteScalarAsync<bool>("""
            WITH inserted AS (
                INSERT INTO settlement.contests (contest_id, definition, state) VALUES (@id, @definition::jsonb, @open)
                ON CONFLICT DO NOTHING RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM inserted)
                OR EXISTS (SELECT 1 FROM settlement.contests WHERE contest_id = @id AND definition = @definition::jsonb)
            """, new
        {
            id = definition.ContestId, definition = JsonSerializer.Serialize(definition, OutgoingMessage.Json),
            open = SettlementLifecycle.Name(SettlementState.Open),
        }, context.Transaction);

    public static async Task<ContestRow?> ContestAsync(TransactionContext context, string contestId, bool forUpdate)
    {
        var row = await context.Connection.QueryFirstOrDefaultAsync<(string State, string Definition, string? Completed,
            string? CompletedBy)?>($"""
            SELECT state, definition::text, completed::text, completed_by FROM settlement.contests
            WHERE contest_id = @contestId {(forUpdate ? "FOR UPDATE" : "")}
            """, new { contestId }, context.Transaction);
        if (row is not { } r) return null;
        return new ContestRow(contestId, SettlementLifecycle.Parse(contestId, r.State),
            JsonSerializer.Deserialize<ContestDefined>(r.Definition, OutgoingMessage.Json)!,
            r.Completed is null ? null : JsonSerializer.Deserialize<ContestCompleted>(r.Completed,
                OutgoingMessage.Json), r.CompletedBy);
    }

    /// <summary>
    /// Moves a contest from <paramref name="from"/> to <paramref name="to"/>, setting the
    /// column that records when (<c>settled_at</c>, <c>paid_at</c>) or what (<c>completed</c>).
    /// An illegal transition, or a row not in <paramref name="from"/>, is a bug.
    /// </summary>
    public static async Task MoveAsync(TransactionContext context, string contestId,
        SettlementState from, SettlementState to, ContestCompleted? completed = null, string? completedBy = null)
    {
        SettlementLifecycle.AssertTransition(contestId, from, to);
        var set = to switch
        {
            SettlementState.Complete => ", completed = @completed::jsonb, completed_by = @completedBy",
            SettlementState.Settled => ", settled_at = @now",
            SettlementState.Paid => ", paid_at = @now",
            _ => "",
        };
        var changed = await context.Connection.ExecuteAsync(
            $"UPDATE settlement.contests SET state = @to{set} WHERE contest_id = @contestId AND state = @from",
            new
            {
                contestId, from = SettlementLifecycle.Name(from), to = SettlementLifecycle.Name(to),
                now = context.Clock.GetUtcNow(),
                completed = completed is null ? null : JsonSerializer.Serialize(completed, OutgoingMessage.Json),
                completedBy,
            }, context.Transaction);
        if (changed != 1)
            throw new InvariantViolatedException($"contest {contestId} was not {SettlementLifecycle.Name(from)} when " +
                $"moving it to {SettlementLifecycle.Name(to)} ({changed} rows changed)");
        context.OnCommitted(() => PipelineTelemetry.ContestEntered("settlement", SettlementLifecycle.Name(to)));
    }

    /// <summary>
    /// COMPLETE contests being settled, or whose every standings chunk and entry has arrived, locked;
    /// those another transaction is settling are skipped.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ContestsReadyToSettleAsync(TransactionContext context, int limit) =>
        [.. await context.Connection.QueryAsync<string>("""
            SELECT c.contest_id FROM settlement.contests c
            WHERE c.state = @complete
              AND (EXISTS (SELECT 1 FROM settlement.settle_runs r WHERE r.contest_id = c.contest_id)
                   OR ((SELECT count(*) FROM settlement.standings_chunks s
                       WHERE s.contest_id = c.contest_id) >= (c.completed ->> 'standingsChunks')::int
                       AND (SELECT count(*) FROM settlement.entries e
                           WHERE e.contest_id = c.contest_id) >= (c.completed ->> 'entryCount')::int))
            ORDER BY c.contest_id LIMIT @limit FOR UPDATE OF c SKIP LOCKED
            """, new { complete = SettlementLifecycle.Name(SettlementState.Complete), limit }, context.Transaction)];

    /// <summary>
    /// SETTLED contests whose every payout is paid (transfer made, nothing reversed) or rejected, locked.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ContestsReadyToMarkPaidAsync(TransactionContext context,
        int limit) =>
        [.. await context.Connection.QueryAsync<string>("""
            SELECT c.contest_id FROM settlement.contests c
            WHERE c.state = @settled
              AND NOT EXISTS (SELECT 1 FROM settlement.payouts p WHERE p.contest_id = c.contest_id
                              AND NOT (p.transfer_id IS NOT NULL AND p.reversed_minor = 0) AND p.rejected_at IS NULL)
            ORDER BY c.contest_id LIMIT @limit FOR UPDATE OF c SKIP LOCKED
            """, new { settled = SettlementLifecycle.Name(SettlementState.Settled), limit }, context.Transaction)];

    /// <summary>
    /// The contest's own entry-fee and prize-pool accounts that are not zero (after settling, none may be).
    /// </summary>
    public static async Task<IReadOnlyList<(string Account, long Balance)>> OpenContestAccountsAsync(
        TransactionContext context, string contestId) =>
        [.. await context.Connection.QueryAsync<(string Account, long Balance)>("""
            SELECT account, sum(amount_minor)::bigint FROM settlement.postings WHERE account IN (@pool, @fees)
            GROUP BY account HAVING sum(amount_minor) <> 0
            """, new { pool = Accounts.PrizePool(contestId), fees = Accounts.EntryFees(contestId) },
            context.Transaction)];

    // ---- entries and standings ----------------------------------------------------------------

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

    /// <summary>
    /// Keeps a chunk of final standings, or finds it kept with the same count and rows (a redelivery); false when
    /// it is kept with others. The rows are kept as JSON text (settlement/0011); one kept before that as jsonb
    /// differs in spacing only, so text that differs is compared again as JSON.
    /// </summary>
    public static async Task<bool> InsertStandingsChunkAsync(TransactionContext context,
        FinalStandingsPublished chunk) =>
        await context.Connection.ExecuteScalarAsync<bool>("""
            WITH inserted AS (
                INSERT INTO settlement.standings_chunks (contest_id, chunk_index, chunk_count, rows)
                VALUES (@ContestId, @ChunkIndex, @ChunkCount, @rows)
                ON CONFLICT DO NOTHING RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM inserted)
                OR EXISTS (SELECT 1 FROM settlement.standings_chunks WHERE contest_id = @ContestId
                    AND chunk_index = @ChunkIndex AND chunk_count = @ChunkCount
                    AND (rows = @rows OR rows::jsonb = @rows::jsonb))
            """, new { chunk.ContestId, chunk.ChunkIndex, chunk.ChunkCount,
                rows = JsonSerializer.Serialize(chunk.Rows, OutgoingMessage.Json) },
            context.Transaction);

    public static async Task<IReadOnlyList<StandingRow>> FinalStandingsAsync(TransactionContext context,
        string contestId) =>
        [.. (await context.Connection.QueryAsync<string>(
            "SELECT rows FROM settlement.standings_chunks WHERE contest_id = @contestId ORDER BY chunk_index",
            new { contestId }, context.Transaction)).SelectMany(c => JsonSerializer.Deserialize<List<StandingRow>>(c,
            OutgoingMessage.Json)!)];

    /// <summary>
    /// The final standings, read chunk by chunk as UTF-8 (a million rows are about 80 MB of it, held
    /// only until each chunk is parsed, never as strings) and parsed on the pool, in chunk order.
    /// </summary>
    public static async Task<List<StandingRow>> FinalStandingsStreamedAsync(TransactionContext context,
        string contestId, int expectedRows)
    {
        // Parsed on the reading thread, a million rows held the server's sending: 2.8 s against 0.9 s to read alone.
        var parsing = new List<Task<List<StandingRow>>>();
        // Kept as text, sent as stored (as jsonb, printing a million rows took a backend 0.5 s); sorted first, so
        // that the first chunk is sent at once; each read as it comes, not buffered as a row.
        await using (var cmd = new NpgsqlCommand("""
            SELECT convert_to(rows, 'UTF8') FROM (SELECT chunk_index, rows FROM settlement.standings_chunks
                WHERE contest_id = @contestId ORDER BY chunk_index OFFSET 0) s
            """, context.Connection, context.Transaction))
        {
            cmd.Parameters.AddWithValue("contestId", contestId);
            await using var reader = await cmd.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess);
            while (await reader.ReadAsync())
            {
                var utf8 = await reader.GetFieldValueAsync<byte[]>(0);
                parsing.Add(Task.Run(() => JsonSerializer.Deserialize<List<StandingRow>>(utf8, OutgoingMessage.Json)!));
            }
        }
        var rows = new List<StandingRow>(expectedRows);
        foreach (var chunk in await Task.WhenAll(parsing)) rows.AddRange(chunk);
        return rows;
    }

    /// <summary>How many entries a contest has and the sum of their fees, without reading them.</summary>
    public static Task<(int Count, long FeesMinor)> EntryTotalsAsync(TransactionContext context, string contestId) =>
        context.Connection.QueryFirstAsync<(int Count, long FeesMinor)>(
            "SELECT count(*)::int, coalesce(sum(amount_minor), 0)::bigint FROM settlement.entries WHERE " +
            "contest_id = @contestId", new { contestId }, context.Transaction);

    // ---- settlement in chunks -----------------------------------------------------------------

    /// <summary>
    /// A contest being settled in chunks: how many prizes, how many posted and ordered so far, and what the last chunk
    /// publishes.
    /// </summary>
    public sealed record SettleRun(string ContestId, int Awards, int Posted, ContestSettled Record, string Reason);

    public static async Task<SettleRun?> SettleRunAsync(TransactionContext context, string contestId)
    {
        var row = await context.Connection.QueryFirstOrDefaultAsync<(int Awards, int Posted,
            string Record, string Reason)?>(
            "SELECT awards, posted, record::text, reason FROM settlement.settle_runs WHERE contest_id = @contestId",
            new { contestId }, context.Transaction);
        return row is { } r
            ? new SettleRun(contestId, r.Awards, r.Posted, JsonSerializer.Deserialize<ContestSettled>(r.Record,
                OutgoingMessage.Json)!, r.Reason)
            : null;
    }

    public static async Task StartSettleRunAsync(TransactionContext context, string contestId, int awards,
        ContestSettled record, string reason) =>
        await context.Connection.ExecuteAsync("""
            INSERT INTO settlement.settle_runs (contest_id, awards, record, reason, started_at)
            VALUES (@contestId, @awards, @record::jsonb, @reason, @now)
            """, new { contestId, awards, record = JsonSerializer.Serialize(record, OutgoingMessage.Json), reason,
                now = context.Clock.GetUtcNow() },
            context.Transaction);

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

    /// <summary>
    /// Moves a settle run's cursor from <paramref name="from"/> to <paramref name="to"/>; any other cursor is a bug
    /// (two settlers, or a lost chunk).
    /// </summary>
    public static Task AdvanceSettleRunAsync(TransactionContext context, string contestId, int from, int to) =>
        ExpectOneAsync(context, "UPDATE settlement.settle_runs SET posted = @to " +
            "WHERE contest_id = @contestId AND posted = @from",
            new { contestId, from, to }, $"settle run of contest {contestId} was not at {from} when moving it to {to}");

    // ---- payouts ------------------------------------------------------------------------------

    /// <summary>
    /// The payouts of a chunk of a contest's awards, numbered in award order from
    /// <paramref name="from"/> (<c>award_seq</c>, the settle run's cursor walks it), in one binary
    /// COPY: 200,000 rows in a second or two.
    /// </summary>
    public static async Task InsertPayoutsAsync(TransactionContext context, string contestId, int from,
        IReadOnlyList<PrizeAward> awards, string currency)
    {
        var now = context.Clock.GetUtcNow();
        await using var writer = await context.Connection.BeginBinaryImportAsync("""
            COPY settlement.payouts (payout_id, contest_id, entry_id, player_id, rank, gross_minor, fee_minor,
                net_minor, currency, ordered_at, award_seq)
            FROM STDIN (FORMAT BINARY)
            """);
        for (var i = 0; i < awards.Count; i++)
        {
            var a = awards[i];
            await writer.StartRowAsync();
            await writer.WriteAsync(a.PayoutId, NpgsqlDbType.Text);
            await writer.WriteAsync(contestId, NpgsqlDbType.Text);
            await writer.WriteAsync(a.EntryId, NpgsqlDbType.Text);
            await writer.WriteAsync(a.PlayerId, NpgsqlDbType.Text);
            await writer.WriteAsync(a.Rank, NpgsqlDbType.Integer);
            await writer.WriteAsync(a.Gross.MinorUnits, NpgsqlDbType.Bigint);
            await writer.WriteAsync(a.Fee.MinorUnits, NpgsqlDbType.Bigint);
            await writer.WriteAsync(a.Net.MinorUnits, NpgsqlDbType.Bigint);
            await writer.WriteAsync(currency, NpgsqlDbType.Text);
            await writer.WriteAsync(now, NpgsqlDbType.TimestampTz);
            await writer.WriteAsync(checked(from + i), NpgsqlDbType.Integer);
        }
        await writer.CompleteAsync();
    }

    /// <summary>
    /// The payout, locked for the rest of the transaction; unknown is a rejection of the message that names it.
    /// </summary>
    public static async Task<PayoutRecord> PayoutForUpdateAsync(TransactionContext context,
        string messageType, string payoutId)
    {
        var row = await context.Connection.QueryFirstOrDefaultAsync<(string PayoutId, string ContestId, string EntryId,
            string PlayerId, long NetMinor,
            string Currency, string? TransferId, long ReversedMinor, bool Rejected, string State)?>("""
            SELECT p.payout_id, p.contest_id, p.entry_id, p.player_id, p.net_minor, p.currency, p.transfer_id,
                p.reversed_minor,
                   p.rejected_at IS NOT NULL, c.state
            FROM settlement.payouts p JOIN settlement.contests c USING (contest_id)
            WHERE p.payout_id = @payoutId FOR UPDATE OF p
            """, new { payoutId }, context.Transaction);
        if (row is not { } r)
            throw new MessageRejectedException($"{messageType} for payout {payoutId}: unknown payout id; Settlement " +
                "ordered no such payout");
        return new PayoutRecord(r.PayoutId, r.ContestId, r.EntryId, r.PlayerId, r.NetMinor, r.Currency, r.TransferId,
            r.ReversedMinor, r.Rejected, SettlementLifecycle.Parse(r.ContestId, r.State));
    }

    public static Task RecordTransferAsync(TransactionContext context, string payoutId,
        string transferId, DateTimeOffset at) =>
        ExpectOneAsync(context, "UPDATE settlement.payouts SET transfer_id = @transferId, paid_at = @at WHERE " +
            "payout_id = @payoutId AND transfer_id IS NULL",
            new { payoutId, transferId, at }, $"payout {payoutId} already has a transfer recorded");

    public static Task RecordReversalAsync(TransactionContext context, string payoutId, long reversedTotalMinor) =>
        ExpectOneAsync(context, "UPDATE settlement.payouts SET reversed_minor = @reversedTotalMinor " +
            "WHERE payout_id = @payoutId AND reversed_minor < @reversedTotalMinor",
            new { payoutId, reversedTotalMinor }, $"payout {payoutId} has {reversedTotalMinor} or " +
            "more reversed already");

    public static Task RecordRejectionAsync(TransactionContext context, string payoutId,
        DateTimeOffset at, long withheldMinor) =>
        ExpectOneAsync(context, "UPDATE settlement.payouts SET rejected_at = @at, withheld_minor = @withheldMinor " +
            "WHERE payout_id = @payoutId AND rejected_at IS NULL",
            new { payoutId, at, withheldMinor }, $"payout {payoutId} is rejected already");

    public static Task<PayoutTotals> PayoutTotalsAsync(TransactionContext context, string contestId) =>
        context.Connection.QueryFirstAsync<PayoutTotals>("""
            SELECT count(*)::int AS count,
                   count(*) FILTER (WHERE transfer_id IS NOT NULL AND reversed_minor = 0)::int AS paid,
                   count(*) FILTER (WHERE rejected_at IS NOT NULL AND NOT (transfer_id IS NOT NULL
                       AND reversed_minor = 0))::int AS rejected,
                   coalesce(sum(net_minor - reversed_minor) FILTER (WHERE transfer_id IS NOT NULL),
                       0)::bigint AS paid_minor,
                   coalesce(sum(withheld_minor), 0)::bigint AS withheld_minor
            FROM settlement.payouts WHERE contest_id = @contestId
            """, new { contestId }, context.Transaction);

    // ---- refunds ------------------------------------------------------------------------------

    /// <summary>A refund Settlement orders for a cancelled contest's entry.</summary>
    public sealed record RefundToOrder(string RefundId, string EntryId, string PlayerId, string PaymentIntentId,
        long AmountMinor, string Currency);

    /// <summary>
    /// Orders the refund of every entry of a cancelled contest that has none yet (one refund id
    /// per PaymentIntent, forever); returns those ordered now, in entry id order.
    /// </summary>
    public static async Task<IReadOnlyList<RefundToOrder>> OrderRefundsAsync(TransactionContext context,
        string contestId, string reason)
    {
        var entries = (await context.Connection.QueryAsync<(string EntryId, string PlayerId, string PaymentIntentId,
            long Amount, string Currency)>("""
            SELECT entry_id, player_id, payment_intent_id, amount_minor, currency FROM settlement.entries
            WHERE contest_id = @contestId ORDER BY entry_id COLLATE "C"
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

    private static async Task ExpectOneAsync(TransactionContext context, string sql,
        object parameters, string otherwise)
    {
        var changed = await context.Connection.ExecuteAsync(sql, parameters, context.Transaction);
        if (changed != 1) throw new InvariantViolatedException($"{otherwise} ({changed} rows changed)");
    }
}
