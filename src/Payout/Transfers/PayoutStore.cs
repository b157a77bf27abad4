using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Transfers;

/// <summary>
/// payout.payouts: every prize order and where it stands. Every write is the whole mutable row
/// against the version it was read at: a transition the lifecycle table forbids is a bug, and a
/// row changed meanwhile is a conflict (retried). A change of state or hold publishes
/// <see cref="PayoutStatusChanged"/> in the same transaction. What the transfer job claims and reads for
/// its gates is <see cref="PayoutClaimStore"/>'s.
/// </summary>
public static class PayoutStore
{
    /// <summary>Every column of a payout, as <see cref="PayoutRow"/> reads them.</summary>
    internal const string Columns = """
        payout_id, contest_id, entry_id, player_id, payment_intent_id, amount_minor, currency, state AS stored_state,
        hold_kind, reason, version, released, waived, attempt_key, called_key, key_generation, submitted_at, rounds,
            refusal_retries, next_attempt_at,
        lease_until, account_id, transfer_id, reversed_minor, ordered_at, paid_at, ordered_by
        """;

    public static Task<PayoutRow?> FindAsync(TransactionContext context, string payoutId, bool forUpdate = true) =>
        context.Connection.QueryFirstOrDefaultAsync<PayoutRow>(
            $"SELECT {Columns} FROM payout.payouts WHERE payout_id = @payoutId {(forUpdate ? "FOR UPDATE" : "")}",
            new { payoutId }, context.Transaction);

    /// <summary>
    /// Inserts new orders in one statement, each publishing its status (caused by its own order: <paramref
    /// name="causes"/>, one per row). Throws a conflict when one was recorded meanwhile: the caller checked they are
    /// new (<see cref="AnyKnownAsync"/>, <see cref="FindAsync"/>), and its retry finds the one recorded.
    /// </summary>
    public static async Task InsertAsync(TransactionContext context, IReadOnlyList<PayoutRow> rows,
        IReadOnlyList<Cause> causes)
    {
        if (causes.Count != rows.Count)
            throw new ArgumentException($"{causes.Count} causes for {rows.Count} payouts", nameof(causes));
        var inserted = await context.Connection.ExecuteAsync("""
            INSERT INTO payout.payouts (payout_id, contest_id, entry_id, player_id, payment_intent_id, amount_minor,
                currency, state, hold_kind, reason, version, next_attempt_at, ordered_at, updated_at, ordered_by)
            SELECT p.payout_id, p.contest_id, p.entry_id, p.player_id, p.payment_intent_id, p.amount_minor,
                p.currency, p.state, p.hold_kind, p.reason, p.version, p.next_attempt_at, p.ordered_at, p.ordered_at,
                p.ordered_by
            FROM unnest(@ids, @contests, @entries, @players, @payments, @amounts, @currencies, @states, @holds,
                @reasons, @versions, @nexts, @ordered, @orderedBy)
                AS p(payout_id, contest_id, entry_id, player_id, payment_intent_id, amount_minor, currency, state,
                    hold_kind, reason, version, next_attempt_at, ordered_at, ordered_by)
            ON CONFLICT (payout_id) DO NOTHING
            """, new
            {
                ids = rows.Select(r => r.PayoutId).ToArray(), contests = rows.Select(r => r.ContestId).ToArray(),
                entries = rows.Select(r => r.EntryId).ToArray(), players = rows.Select(r => r.PlayerId).ToArray(),
                payments = rows.Select(r => r.PaymentIntentId).ToArray(),
                amounts = rows.Select(r => r.AmountMinor).ToArray(),
                currencies = rows.Select(r => r.Currency).ToArray(),
                states = rows.Select(r => PayoutLifecycle.Name(r.State)).ToArray(),
                holds = rows.Select(r => PayoutLifecycle.HoldName(r.Hold)).ToArray(),
                reasons = rows.Select(r => r.Reason).ToArray(), versions = rows.Select(r => r.Version).ToArray(),
                nexts = rows.Select(r => r.NextAttemptAt).ToArray(),
                ordered = rows.Select(r => r.OrderedAt).ToArray(), orderedBy = rows.Select(r => r.OrderedBy).ToArray(),
            }, context.Transaction);
        if (inserted != rows.Count)
            throw new ConcurrencyConflictException($"{rows.Count - inserted} of a run of {rows.Count} payouts " +
                "were recorded meanwhile");
        var before = context.Cause;
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            context.Cause = causes[i];
            PublishStatus(context, row, "", row);
            context.OnCommitted(() =>
                PipelineTelemetry.PayoutEntered(PayoutLifecycle.Name(row.State), row.Currency, row.AmountMinor));
        }
        context.Cause = before;
    }

    /// <summary>
    /// Whether any of these payouts is recorded, or any of these entries has a prize (make-goods aside).
    /// </summary>
    public static Task<bool> AnyKnownAsync(TransactionContext context, string[] payoutIds, string[] prizeEntryIds) =>
        context.Connection.ExecuteScalarAsync<bool>("""
            SELECT EXISTS (SELECT 1 FROM payout.payouts WHERE payout_id = ANY(@payoutIds))
                OR EXISTS (SELECT 1 FROM payout.payouts
                    WHERE entry_id = ANY(@prizeEntryIds) AND payout_id NOT LIKE @makeGoods)
            """, new { payoutIds, prizeEntryIds, makeGoods = PrizePayoutOrdered.MakeGoodIdPrefix + "%" },
            context.Transaction);

    /// <summary>
    /// Writes <paramref name="after"/> over <paramref name="before"/>; returns the row as stored (version advanced).
    /// </summary>
    public static async Task<PayoutRow> SaveAsync(TransactionContext context, PayoutRow before, PayoutRow after)
    {
        if (before.State != after.State) PayoutLifecycle.AssertTransition(before.PayoutId, before.State, after.State);
        if ((after.State == PayoutState.Held) != (after.Hold is not null))
            throw new InvariantViolatedException($"payout {before.PayoutId}: state {after.State} with hold " +
                $"kind '{PayoutLifecycle.HoldName(after.Hold)}'");
        var stored = after with { Version = before.Version + 1 };
        var updated = await context.Connection.ExecuteAsync("""
            UPDATE payout.payouts SET state = @stateName, hold_kind = @HoldKind, reason = @Reason, version = @Version,
                released = @Released, waived = @Waived, attempt_key = @AttemptKey, key_generation = @KeyGeneration,
                submitted_at = @SubmittedAt, rounds = @Rounds, refusal_retries = @RefusalRetries,
                next_attempt_at = @NextAttemptAt,
                    lease_until = @LeaseUntil,
                account_id = @AccountId, transfer_id = @TransferId, reversed_minor = @ReversedMinor, paid_at = @PaidAt,
                updated_at = @now
            WHERE payout_id = @PayoutId AND version = @expected
            """, new DynamicParameters(stored).With(new
        {
            stateName = PayoutLifecycle.Name(stored.State), HoldKind = PayoutLifecycle.HoldName(stored.Hold),
            expected = before.Version, now = context.Clock.GetUtcNow(),
        }), context.Transaction);
        if (updated != 1)
            throw new ConcurrencyConflictException($"payout {before.PayoutId} changed concurrently (expected " +
                $"version {before.Version})");
        if (before.State != stored.State || before.Hold != stored.Hold)
            PublishStatus(context, stored, PayoutLifecycle.Name(before.State), stored);
        if (before.State != stored.State)
            context.OnCommitted(() =>
            {
                PipelineTelemetry.PayoutEntered(PayoutLifecycle.Name(stored.State), stored.Currency,
                    stored.AmountMinor);
                if (stored is { State: PayoutState.Paid, PaidAt: { } paidAt })
                    PipelineTelemetry.TimeToPaid.Record(Math.Max(0, (paidAt - stored.OrderedAt).TotalSeconds));
            });
        return stored;
    }

    /// <summary>
    /// The prize (not a make-good) already ordered for the entry, if any: at most one prize per entry.
    /// </summary>
    public static Task<string?> PrizeOfEntryAsync(TransactionContext context, string entryId) =>
        context.Connection.QueryFirstOrDefaultAsync<string?>(
            "SELECT payout_id FROM payout.payouts WHERE entry_id = @entryId AND payout_id NOT LIKE @makeGoods",
            new { entryId, makeGoods = PrizePayoutOrdered.MakeGoodIdPrefix + "%" }, context.Transaction);

    /// <summary>Payouts of one player in one state, locked, in payout id order.</summary>
    public static async Task<IReadOnlyList<PayoutRow>> OfPlayerAsync(TransactionContext context,
        string playerId, PayoutState state) =>
        [.. await context.Connection.QueryAsync<PayoutRow>(
            $"SELECT {Columns} FROM payout.payouts WHERE player_id = @playerId AND state = @state " +
            "ORDER BY payout_id FOR UPDATE",
            new { playerId, state = PayoutLifecycle.Name(state) }, context.Transaction)];

    /// <summary>Payouts of prizes won with one entry fee payment, in the given states, locked.</summary>
    public static async Task<IReadOnlyList<PayoutRow>> OfPaymentAsync(TransactionContext context,
        string paymentIntentId, IReadOnlyCollection<PayoutState> states, PayoutHold? hold = null) =>
        [.. await context.Connection.QueryAsync<PayoutRow>($"""
            SELECT {Columns} FROM payout.payouts WHERE payment_intent_id = @paymentIntentId AND state = ANY(@states)
              AND (@holdKind::text IS NULL OR hold_kind = @holdKind) ORDER BY payout_id FOR UPDATE
            """, new { paymentIntentId, states = Names(states), holdKind = PayoutLifecycle.HoldName(hold) },
            context.Transaction)];

    /// <summary>
    /// A payouts.status money fact about a payout (keyed by contest), caused by what is being handled or by the
    /// payout's order.
    /// </summary>
    public static void PublishFact<T>(TransactionContext context, PayoutRow payout, string messageId,
        T body) where T : IMessage =>
        context.Publish(context.Cause ?? payout.Cause, Topics.PayoutsStatus, payout.ContestId, messageId, body);

    private static void PublishStatus(TransactionContext context, PayoutRow row, string from, PayoutRow to) =>
        PublishFact(context, row, PayoutStatusChanged.MessageIdFor(row.PayoutId, to.Version),
            new PayoutStatusChanged(row.PayoutId, row.ContestId, row.PlayerId, row.AmountMinor, row.Currency, from,
                PayoutLifecycle.Name(to.State), PayoutLifecycle.HoldName(to.Hold), to.Reason, to.Version,
                context.Clock.GetUtcNow()));

    internal static string[] Names(IEnumerable<PayoutState> states) => [.. states.Select(PayoutLifecycle.Name)];

    internal static DateTimeOffset? Utc(DateTime? t) =>
        t is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;

    internal static DynamicParameters With(this DynamicParameters parameters, object more)
    {
        parameters.AddDynamicParams(more);
        return parameters;
    }
}
