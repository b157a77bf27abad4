using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Store;

/// <summary>A row of payout.payouts.</summary>
public sealed record PayoutRow
{
    public required string PayoutId { get; init; }
    public required string ContestId { get; init; }
    public required string EntryId { get; init; }
    public required string PlayerId { get; init; }
    public string? PaymentIntentId { get; init; }
    public required long AmountMinor { get; init; }
    public required string Currency { get; init; }
    public required string State { get; init; }
    public string? HoldKind { get; init; }
    public required string Reason { get; init; }
    public required int Version { get; init; }
    public bool Released { get; init; }
    public string? AttemptKey { get; init; }
    public int KeyGeneration { get; init; }
    public DateTimeOffset? SubmittedAt { get; init; }
    public int Rounds { get; init; }
    public required DateTimeOffset NextAttemptAt { get; init; }
    public DateTimeOffset? LeaseUntil { get; init; }
    public string? AccountId { get; init; }
    public string? TransferId { get; init; }
    public long ReversedMinor { get; init; }
    public required DateTimeOffset OrderedAt { get; init; }
    public DateTimeOffset? PaidAt { get; init; }
}

/// <summary>
/// Reads and writes payouts. Every write is the whole mutable row against the version it was
/// read at (a concurrent change fails the transaction instead of being overwritten), and a
/// change of state or hold publishes <see cref="PayoutStatusChanged"/> in the same transaction.
/// </summary>
public static class PayoutStore
{
    public const string Columns = """
        payout_id, contest_id, entry_id, player_id, payment_intent_id, amount_minor, currency, state, hold_kind, reason, version,
        released, attempt_key, key_generation, submitted_at, rounds, next_attempt_at, lease_until, account_id, transfer_id,
        reversed_minor, ordered_at, paid_at
        """;

    public static Task<PayoutRow?> FindAsync(HandlerContext context, string payoutId, bool forUpdate = true) =>
        context.Connection.QueryFirstOrDefaultAsync<PayoutRow>(
            $"SELECT {Columns} FROM payout.payouts WHERE payout_id = @payoutId {(forUpdate ? "FOR UPDATE" : "")}",
            new { payoutId }, context.Transaction);

    public static Task<PayoutRow?> FindByTransferAsync(HandlerContext context, string transferId) =>
        context.Connection.QueryFirstOrDefaultAsync<PayoutRow>(
            $"SELECT {Columns} FROM payout.payouts WHERE transfer_id = @transferId FOR UPDATE", new { transferId }, context.Transaction);

    /// <summary>Inserts a new order; false when the payout id is already known (a redelivered order).</summary>
    public static async Task<bool> InsertAsync(HandlerContext context, PayoutRow row)
    {
        var inserted = await context.Connection.ExecuteAsync($"""
            INSERT INTO payout.payouts (payout_id, contest_id, entry_id, player_id, payment_intent_id, amount_minor, currency, state, reason,
                version, next_attempt_at, ordered_at, updated_at)
            VALUES (@PayoutId, @ContestId, @EntryId, @PlayerId, @PaymentIntentId, @AmountMinor, @Currency, @State, @Reason,
                @Version, @NextAttemptAt, @OrderedAt, @OrderedAt)
            ON CONFLICT (payout_id) DO NOTHING
            """, row, context.Transaction);
        if (inserted == 1) PublishStatus(context, row, "", row);
        return inserted == 1;
    }

    /// <summary>Writes <paramref name="after"/> over <paramref name="before"/>; returns the row as stored (version advanced).</summary>
    public static async Task<PayoutRow> SaveAsync(HandlerContext context, PayoutRow before, PayoutRow after)
    {
        var stored = after with { Version = before.Version + 1 };
        var updated = await context.Connection.ExecuteAsync("""
            UPDATE payout.payouts SET state = @State, hold_kind = @HoldKind, reason = @Reason, version = @Version, released = @Released,
                attempt_key = @AttemptKey, key_generation = @KeyGeneration, submitted_at = @SubmittedAt, rounds = @Rounds,
                next_attempt_at = @NextAttemptAt, lease_until = @LeaseUntil, account_id = @AccountId, transfer_id = @TransferId,
                reversed_minor = @ReversedMinor, paid_at = @PaidAt, updated_at = @now
            WHERE payout_id = @PayoutId AND version = @expected
            """, new DynamicParameters(stored).With(new { expected = before.Version, now = context.Clock.GetUtcNow() }), context.Transaction);
        if (updated != 1)
            throw new InvalidOperationException($"payout {before.PayoutId} changed concurrently (expected version {before.Version})");
        if (before.State != stored.State || before.HoldKind != stored.HoldKind)
            PublishStatus(context, stored, before.State, stored);
        return stored;
    }

    private static void PublishStatus(HandlerContext context, PayoutRow row, string from, PayoutRow to)
    {
        var now = context.Clock.GetUtcNow();
        var id = PayoutStatusChanged.MessageIdFor(row.PayoutId, to.Version);
        context.Publish(OutgoingMessage.Create(Topics.PayoutsStatus, row.ContestId,
            new Envelope(id, PayoutStatusChanged.MessageType, PayoutStatusChanged.SchemaVersion, row.ContestId, null, now),
            new PayoutStatusChanged(row.PayoutId, row.ContestId, row.PlayerId, row.AmountMinor, row.Currency, from, to.State, to.HoldKind,
                to.Reason, to.Version, now)));
    }

    private static DynamicParameters With(this DynamicParameters parameters, object more)
    {
        parameters.AddDynamicParams(more);
        return parameters;
    }

    /// <summary>Publishes a payouts.status money fact (keyed by contest) in the context's transaction.</summary>
    public static void PublishFact<T>(HandlerContext context, string contestId, string messageId, string type, int version, T body)
    {
        var now = context.Clock.GetUtcNow();
        context.Publish(OutgoingMessage.Create(Topics.PayoutsStatus, contestId,
            new Envelope(messageId, type, version, contestId, null, now), body));
    }
}
