using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.StripeEvents;

/// <summary>
/// payout.account_refreshes, payout.transfer_reads and payout.dispute_reads: the accounts, transfers
/// and disputes Stripe's events asked to be read. A request is claimed for a lease, so a second Payout process does
/// not make the same read; a new request for one frees its claim (it is read again); one not
/// completed (Stripe unavailable, the process killed) is read again when its lease lapses.
/// </summary>
public sealed class ReadRequestStore
{
    private readonly string _table;
    private readonly string _id;
    private readonly string? _flag;
    private readonly string? _claim;
    private readonly string? _awaiting;

    private ReadRequestStore(string table, string id, string? flag, string? claim = null, string? awaiting = null) =>
        (_table, _id, _flag, _claim, _awaiting) = (table, id, flag, claim, awaiting);

    /// <summary>Accounts account.updated asked about.</summary>
    public static ReadRequestStore Accounts { get; } = new("account_refreshes", "account_id", null);

    /// <summary>
    /// Transfers transfer.* asked about; the flag is a legacy transfer.failed, kept until the read. A read may await
    /// a payout's own record of the transfer (<see cref="DropAnsweredAsync"/>).
    /// </summary>
    public static ReadRequestStore Transfers { get; } = new("transfer_reads", "transfer_id", "legacy_failed",
        awaiting: "awaiting_payout");

    /// <summary>Disputes charge.dispute.* asked about; the claim is what the latest asking event's body said.</summary>
    public static ReadRequestStore Disputes { get; } = new("dispute_reads", "dispute_id", null, "claimed");

    /// <summary>
    /// Asks for a read; a flag once set stays set until the read is done. A request not yet being
    /// read is taken over by this event (one read answers both): the earlier event's outcome says so,
    /// so no event is left without one. <paramref name="awaitingPayout"/>: the read may be answered by that
    /// payout's own record of the object; it stays so only while every event asking for it says the same.
    /// </summary>
    public async Task RequestAsync(TransactionContext context, string objectId, string eventId, bool flagged = false,
        string? claimed = null, string? awaitingPayout = null)
    {
        if (flagged && _flag is null) throw new ArgumentException($"{_table} keeps no flag", nameof(flagged));
        if (awaitingPayout is not null && _awaiting is null)
            throw new ArgumentException($"{_table} awaits no payout", nameof(awaitingPayout));
        var (column, value, update) = _flag is null ? ("", "", "")
            : ($", {_flag}", ", @flagged", $", {_flag} = r.{_flag} OR excluded.{_flag}");
        if (_claim is not null)
            (column, value, update) = ($", {_claim}", ", @claimed", $", {_claim} = excluded.{_claim}");
        // An event that asks for the read as it is (a reversal, another payout) ends the wait for good.
        if (_awaiting is not null)
            (column, value, update) = ($"{column}, {_awaiting}", $"{value}, @awaitingPayout", $"{update}, " +
                $"{_awaiting} = CASE WHEN r.{_awaiting} = excluded.{_awaiting} THEN r.{_awaiting} END");
        var now = context.Clock.GetUtcNow();
        // The waiting request, locked, read on its own: a FOR UPDATE in the upsert's own WITH skips the row the
        // upsert itself changes, so it never saw the request it took over.
        var takenOver = await context.Connection.ExecuteScalarAsync<string?>($"""
            SELECT event_id FROM payout.{_table}
            WHERE {_id} = @objectId AND (claimed_until IS NULL OR claimed_until <= @now)
            FOR UPDATE
            """, new { objectId, now }, context.Transaction);
        await context.Connection.ExecuteAsync($"""
            INSERT INTO payout.{_table} AS r ({_id}, event_id, requested_at{column})
            VALUES (@objectId, @eventId, @now{value})
            ON CONFLICT ({_id}) DO UPDATE SET event_id = excluded.event_id, requested_at = excluded.requested_at,
                claimed_until = NULL{update}
            """, new { objectId, eventId, flagged, claimed, awaitingPayout, now }, context.Transaction);
        if (takenOver is not null && takenOver != eventId)
            await StripeEventStore.AddOutcomeAsync(context, takenOver, $"its read was asked again by {eventId}, " +
                "whose outcome is the read's");
    }

    /// <summary>
    /// Claims requests, oldest first, for <paramref name="lease"/>; one awaiting a payout's record only once it was
    /// asked <paramref name="wait"/> ago.
    /// </summary>
    public async Task<IReadOnlyList<ReadRequest>> ClaimAsync(TransactionContext context, int limit, TimeSpan lease,
        TimeSpan wait = default)
    {
        var now = context.Clock.GetUtcNow();
        var waited = _awaiting is null ? "" : $" AND ({_awaiting} IS NULL OR requested_at <= @waitedFrom)";
        return [.. (await context.Connection.QueryAsync<(string, string, bool, DateTime, string?)>($"""
            UPDATE payout.{_table} r SET claimed_until = @until
            WHERE r.{_id} IN (
                SELECT {_id} FROM payout.{_table} WHERE (claimed_until IS NULL OR claimed_until <= @now){waited}
                ORDER BY requested_at, {_id} LIMIT @limit FOR UPDATE SKIP LOCKED)
            RETURNING r.{_id}, r.event_id, {(_flag is null ? "false" : "r." + _flag)}, r.requested_at,
                {(_claim is null ? "NULL::text" : "r." + _claim)}
            """, new { limit, now, until = now + lease, waitedFrom = now - wait }, context.Transaction))
            .Select(r => new ReadRequest(r.Item1, r.Item2, r.Item3, PayoutStore.Utc(r.Item4)!.Value, r.Item5))
            .OrderBy(r => r.RequestedAt).ThenBy(r => r.ObjectId, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Keeps the claims of reads still being made (a newer request, which cleared its claim, is left alone).
    /// </summary>
    public Task<int> RenewAsync(TransactionContext context,
        IReadOnlyCollection<string> objectIds, DateTimeOffset until) =>
        context.Connection.ExecuteAsync($"""
            UPDATE payout.{_table} SET claimed_until = @until
            WHERE {_id} = ANY(@ids) AND claimed_until IS NOT NULL AND claimed_until < @until
            """, new { ids = objectIds.ToArray(), until }, context.Transaction);

    /// <summary>
    /// Drops the waiting reads whose payout has recorded their object as its payment meanwhile, and returns the events
    /// that asked for them: the transfer job's own transfers, announced before its record of them committed.
    /// </summary>
    public async Task<IReadOnlyList<string>> DropAnsweredAsync(TransactionContext context)
    {
        if (_awaiting is null) return [];
        return [.. await context.Connection.QueryAsync<string>($"""
            DELETE FROM payout.{_table} r USING payout.payouts p
            WHERE r.{_awaiting} IS NOT NULL AND p.payout_id = r.{_awaiting} AND p.transfer_id = r.{_id}
                AND (r.claimed_until IS NULL OR r.claimed_until <= @now)
            RETURNING r.event_id
            """, new { now = context.Clock.GetUtcNow() }, context.Transaction)];
    }

    /// <summary>Done with a read, unless another event asked again after it was made (then it is read again).</summary>
    public Task CompleteAsync(TransactionContext context, ReadRequest read) =>
        context.Connection.ExecuteAsync($"DELETE FROM payout.{_table} WHERE {_id} = @ObjectId AND " +
            "requested_at <= @RequestedAt", new { read.ObjectId, read.RequestedAt }, context.Transaction);
}
