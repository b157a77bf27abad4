using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Prizes;
using ContestPipeline.Settlement.Contests;
using Dapper;
using NpgsqlTypes;

namespace ContestPipeline.Settlement.Payouts;

/// <summary>
/// The payouts Settlement ordered (settlement.payouts) and what Payout reported of each: its
/// transfer, what was reversed of it, its rejection. Each report changes exactly one row or is a bug.
/// </summary>
public static class PayoutStore
{
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
            string Currency, string? TransferId, long ReversedMinor, bool Rejected, string State,
            long? ReceivableMinor, long WrittenOffMinor)?>("""
            SELECT p.payout_id, p.contest_id, p.entry_id, p.player_id, p.net_minor, p.currency, p.transfer_id,
                p.reversed_minor, p.rejected_at IS NOT NULL, c.state, p.receivable_minor, p.written_off_minor
            FROM settlement.payouts p JOIN settlement.contests c USING (contest_id)
            WHERE p.payout_id = @payoutId FOR UPDATE OF p
            """, new { payoutId }, context.Transaction);
        if (row is not { } r)
            throw new MessageRejectedException($"{messageType} for payout {payoutId}: unknown payout id; Settlement " +
                "ordered no such payout");
        return new PayoutRecord(r.PayoutId, r.ContestId, r.EntryId, r.PlayerId, r.NetMinor, r.Currency, r.TransferId,
            r.ReversedMinor, r.Rejected, SettlementLifecycle.Parse(r.ContestId, r.State), r.ReceivableMinor,
            r.WrittenOffMinor);
    }

    /// <summary>
    /// The payout a report about its transfer names, locked: refused unless its transfer is recorded and the report
    /// names the same contest, winner, currency and transfer.
    /// </summary>
    public static async Task<PayoutRecord> TransferredPayoutForUpdateAsync(TransactionContext context,
        string messageType, string payoutId, string contestId, string playerId, string currency, string transferId)
    {
        var payout = await PayoutForUpdateAsync(context, messageType, payoutId);
        var subject = $"{messageType} for payout {payoutId}";
        if (payout.TransferId is null)
            throw new MessageRejectedException($"{subject}: no transfer is recorded for it yet (transferId " +
                $"'{transferId}')");
        Recorded.RejectIfDifferent(subject, ("contestId", contestId, "contest", payout.ContestId),
            ("playerId", playerId, "winner", payout.PlayerId),
            ("currency", currency, "currency ordered", payout.Currency),
            ("transferId", transferId, "transfer recorded", payout.TransferId));
        return payout;
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

    /// <summary>What came back of a withheld payout's transfer after it was withheld is withheld too.</summary>
    public static Task AddWithheldAsync(TransactionContext context, string payoutId, long amountMinor) =>
        ExpectOneAsync(context, "UPDATE settlement.payouts SET withheld_minor = withheld_minor + @amountMinor " +
            "WHERE payout_id = @payoutId AND rejected_at IS NOT NULL",
            new { payoutId, amountMinor }, $"payout {payoutId} is not withheld");

    /// <summary>
    /// What the winner owes back of a prize taken back, booked once: the payout is withheld (if it was not for what
    /// came back) with what is owed.
    /// </summary>
    public static Task RecordReceivableAsync(TransactionContext context, string payoutId, DateTimeOffset at,
        long owedMinor) =>
        ExpectOneAsync(context, "UPDATE settlement.payouts SET receivable_minor = @owedMinor, " +
            "withheld_minor = withheld_minor + @owedMinor, rejected_at = coalesce(rejected_at, @at) " +
            "WHERE payout_id = @payoutId AND receivable_minor IS NULL",
            new { payoutId, at, owedMinor }, $"payout {payoutId} has a receivable booked already");

    /// <summary>Money that came back of the transfer after the receivable was booked pays it down.</summary>
    public static Task PayDownReceivableAsync(TransactionContext context, string payoutId, long amountMinor) =>
        ExpectOneAsync(context, "UPDATE settlement.payouts SET receivable_minor = receivable_minor - @amountMinor " +
            "WHERE payout_id = @payoutId AND receivable_minor >= @amountMinor",
            new { payoutId, amountMinor }, $"payout {payoutId} owes less than {amountMinor}");

    /// <summary>What the winner owes back is written off: no longer owed, and counted as written off.</summary>
    public static Task WriteOffReceivableAsync(TransactionContext context, string payoutId, long amountMinor) =>
        ExpectOneAsync(context, "UPDATE settlement.payouts SET receivable_minor = receivable_minor - @amountMinor, " +
            "written_off_minor = written_off_minor + @amountMinor " +
            "WHERE payout_id = @payoutId AND receivable_minor = @amountMinor",
            new { payoutId, amountMinor }, $"payout {payoutId} does not owe exactly {amountMinor}");

    /// <summary>Money that came back of the transfer after a write-off recovers that much of the loss.</summary>
    public static Task RecoverWrittenOffAsync(TransactionContext context, string payoutId, long amountMinor) =>
        ExpectOneAsync(context, "UPDATE settlement.payouts SET written_off_minor = written_off_minor - @amountMinor " +
            "WHERE payout_id = @payoutId AND written_off_minor >= @amountMinor",
            new { payoutId, amountMinor }, $"payout {payoutId} has less than {amountMinor} written off");

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

    private static async Task ExpectOneAsync(TransactionContext context, string sql,
        object parameters, string otherwise)
    {
        var changed = await context.Connection.ExecuteAsync(sql, parameters, context.Transaction);
        if (changed != 1) throw new InvariantViolatedException($"{otherwise} ({changed} rows changed)");
    }
}
