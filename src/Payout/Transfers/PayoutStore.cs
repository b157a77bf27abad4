using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Gates;
using ContestPipeline.Payout.Recipients;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Transfers;

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
    public required PayoutState State { get; init; }
    /// <summary>Why it is held; null unless <see cref="State"/> is held.</summary>
    public PayoutHold? Hold { get; init; }
    public required string Reason { get; init; }
    public required int Version { get; init; }
    /// <summary>An operator released it at least once (what each release waived is in <see cref="Waived"/>).</summary>
    public bool Released { get; init; }
    /// <summary>What operators' releases waived: hold kinds and freezes (<see cref="Waivers"/>).</summary>
    public string[] Waived { get; init; } = [];
    public string? AttemptKey { get; init; }
    /// <summary>
    /// The key a transfer may have been sent under (marked just before its POST): when it is not
    /// <see cref="AttemptKey"/>, the payout was claimed and never sent under that key.
    /// </summary>
    public string? CalledKey { get; init; }

    /// <summary>
    /// A transfer may have been sent under its key: from then on only Stripe's answer to that key tells.
    /// </summary>
    public bool MaybeSent => AttemptKey is not null && CalledKey == AttemptKey;

    /// <summary>
    /// An operator's reject can apply: waiting, held, failed or awaiting an account as before, or
    /// submitting while claimed and not yet called for (<see cref="MaybeSent"/> false). Read under the
    /// payout's row lock, which the look just before each transfer takes too, so a reject applied
    /// here is never followed by that transfer, and a transfer called for is never rejected.
    /// </summary>
    public bool Rejectable => State switch
    {
        PayoutState.Waiting or PayoutState.Held or PayoutState.Failed or PayoutState.AwaitingAccount => true,
        PayoutState.Submitting => !MaybeSent,
        _ => false,
    };
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
    /// <summary>The message id of the order: the cause of what Payout publishes about the payout.</summary>
    public string? OrderedBy { get; init; }

    /// <summary>How Dapper reads the stored state (its wire name) into <see cref="State"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Style", "IDE0051",
        Justification = "Dapper sets it from the state column")]
    private string StoredState
    {
        init => State = PayoutLifecycle.Parse("(read)", value);
    }

    /// <summary>How Dapper reads the stored hold kind (its wire name) into <see cref="Hold"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Style", "IDE0051",
        Justification = "Dapper sets it from the hold_kind column")]
    private string? HoldKind
    {
        init => Hold = PayoutLifecycle.ParseHold("(read)", value);
    }

    public Cause Cause => Cause.Recorded(ContestId, OrderedBy ?? PayoutId);
}

/// <summary>
/// payout.payouts: every prize order and where it stands. Every write is the whole mutable row
/// against the version it was read at: a transition the lifecycle table forbids is a bug, and a
/// row changed meanwhile is a conflict (retried). A change of state or hold publishes
/// <see cref="PayoutStatusChanged"/> in the same transaction.
/// </summary>
public static class PayoutStore
{
    /// <summary>Every column of a payout, as <see cref="PayoutRow"/> reads them.</summary>
    internal const string Columns = """
        payout_id, contest_id, entry_id, player_id, payment_intent_id, amount_minor, currency, state AS stored_state,
        hold_kind, reason, version, released, waived, attempt_key, called_key, key_generation, submitted_at, rounds,
            next_attempt_at,
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
                currency, state, reason, version, next_attempt_at, ordered_at, updated_at, ordered_by)
            SELECT p.payout_id, p.contest_id, p.entry_id, p.player_id, p.payment_intent_id, p.amount_minor,
                p.currency, p.state, p.reason, p.version, p.next_attempt_at, p.ordered_at, p.ordered_at, p.ordered_by
            FROM unnest(@ids, @contests, @entries, @players, @payments, @amounts, @currencies, @states, @reasons,
                @versions, @nexts, @ordered, @orderedBy)
                AS p(payout_id, contest_id, entry_id, player_id, payment_intent_id, amount_minor, currency, state,
                    reason, version, next_attempt_at, ordered_at, ordered_by)
            ON CONFLICT (payout_id) DO NOTHING
            """, new
            {
                ids = rows.Select(r => r.PayoutId).ToArray(), contests = rows.Select(r => r.ContestId).ToArray(),
                entries = rows.Select(r => r.EntryId).ToArray(), players = rows.Select(r => r.PlayerId).ToArray(),
                payments = rows.Select(r => r.PaymentIntentId).ToArray(),
                amounts = rows.Select(r => r.AmountMinor).ToArray(),
                currencies = rows.Select(r => r.Currency).ToArray(),
                states = rows.Select(r => PayoutLifecycle.Name(r.State)).ToArray(),
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
                submitted_at = @SubmittedAt, rounds = @Rounds, next_attempt_at = @NextAttemptAt,
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
                PipelineTelemetry.PayoutEntered(PayoutLifecycle.Name(stored.State),
                    stored.Currency, stored.AmountMinor));
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

    /// <summary>
    /// A payout the transfer job should look at now: due, not leased, and either dispatched or
    /// held for a reason that resumes by itself.
    /// </summary>
    private const string DueCondition = """
        next_attempt_at <= @now AND (lease_until IS NULL OR lease_until < @now)
        AND (state = ANY(@dispatched) OR (state = @held AND hold_kind = ANY(@resuming)))
        """;

    /// <summary>Payouts the transfer job should look at now, locked (another job instance skips them).</summary>
    public static async Task<IReadOnlyList<PayoutRow>> DueAsync(TransactionContext context, int limit) =>
        [.. await context.Connection.QueryAsync<PayoutRow>($"""
            SELECT {Columns} FROM payout.payouts WHERE {DueCondition}
            ORDER BY next_attempt_at, payout_id LIMIT @limit FOR UPDATE SKIP LOCKED
            """, DueParameters(context).With(new { limit }), context.Transaction)];

    /// <summary>
    /// Locks the recipients of a claim for the rest of its transaction (a transaction-scoped
    /// advisory lock per player, taken in player order so that two claims never wait on each
    /// other in a circle): a claim by another Payout instance that decides a payout of one of
    /// them waits until this claim commits, and then reads the recipient's activity with what
    /// this one claimed in it. Without it each claim would check the limits, and the spacing,
    /// against activity that leaves out the other's payout (its rows are skipped, not waited
    /// for), and N instances could pass a limit N times.
    /// </summary>
    public static Task LockRecipientsAsync(TransactionContext context, IEnumerable<string> playerIds) =>
        context.Connection.ExecuteAsync("""
            SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0)))
            FROM (SELECT DISTINCT 'payout.recipient/' || p AS k FROM unnest(@players) AS x(p) ORDER BY 1) keys
            """, new { players = playerIds.ToArray() }, context.Transaction);

    /// <summary>
    /// The currencies of due payouts that will ask for the platform's balance (not those sent already).
    /// </summary>
    public static async Task<IReadOnlyList<string>> DueCurrenciesAsync(TransactionContext context) =>
        [.. await context.Connection.QueryAsync<string>(
            $"SELECT DISTINCT currency FROM payout.payouts WHERE {DueCondition} AND state <> @submitting",
            DueParameters(context).With(new { submitting = PayoutLifecycle.Name(PayoutState.Submitting) }),
            context.Transaction)];

    private static DynamicParameters DueParameters(TransactionContext context) => new(new
    {
        now = context.Clock.GetUtcNow(),
        dispatched = Names(PayoutLifecycle.Dispatched),
        held = PayoutLifecycle.Name(PayoutState.Held),
        resuming = PayoutLifecycle.SelfResumingHolds.Select(h => PayoutLifecycle.HoldName(h)).ToArray(),
    });

    /// <summary>
    /// The recipient's other payouts sent or being sent: in the rolling 24 hours, this calendar
    /// month (UTC) and ever, and when the last one went.
    /// </summary>
    public static async Task<RecipientActivity> ActivityAsync(TransactionContext context,
        PayoutRow payout, DateTimeOffset now)
    {
        var dayStart = now - TimeSpan.FromHours(24);
        var monthStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var a = await context.Connection.QueryFirstAsync<(long DayCount, long DayAmount,
            DateTime? DayOldest, long MonthAmount, long Count, long Amount, DateTime? Last)>("""
            SELECT count(*) FILTER (WHERE at >= @dayStart),
                   coalesce(sum(amount_minor) FILTER (WHERE at >= @dayStart), 0),
                   min(at) FILTER (WHERE at >= @dayStart),
                   coalesce(sum(amount_minor) FILTER (WHERE at >= @monthStart), 0),
                   count(*), coalesce(sum(amount_minor), 0), max(at)
            FROM (SELECT amount_minor, coalesce(paid_at, submitted_at) AS at FROM payout.payouts
                  WHERE player_id = @PlayerId AND currency = @Currency AND payout_id <> @PayoutId
                  AND state = ANY(@sent)) sent
            """, new { payout.PlayerId, payout.Currency, payout.PayoutId, dayStart, monthStart,
                sent = Names(PayoutLifecycle.Sent) },
            context.Transaction);
        return new RecipientActivity(checked((int)a.DayCount), a.DayAmount, Utc(a.DayOldest), a.MonthAmount,
            checked((int)a.Count), a.Amount, Utc(a.Last));
    }

    /// <summary>
    /// Keeps the claims of payouts still being sent by this worker: their lease moves on while
    /// their Stripe calls run. Rows recorded meanwhile (lease cleared) are left alone. Not a
    /// change of state: the version stays.
    /// </summary>
    public static Task<int> RenewLeasesAsync(TransactionContext context,
        IReadOnlyCollection<string> payoutIds, DateTimeOffset until) =>
        context.Connection.ExecuteAsync("""
            UPDATE payout.payouts SET lease_until = @until
            WHERE payout_id = ANY(@ids) AND state = @submitting AND lease_until IS NOT NULL AND lease_until < @until
            """, new { ids = payoutIds.ToArray(), until, submitting = PayoutLifecycle.Name(PayoutState.Submitting) },
            context.Transaction);

    /// <summary>
    /// Marks the payout's key as sent, in a transaction that commits before its POST: from then on nothing holds it
    /// unsent (a freeze alerts it as sent). Not a change of state: the version stays.
    /// </summary>
    public static Task MarkCalledAsync(TransactionContext context, PayoutRow payout) =>
        context.Connection.ExecuteAsync("""
            UPDATE payout.payouts SET called_key = attempt_key WHERE payout_id = @PayoutId AND attempt_key = @AttemptKey
            """, new { payout.PayoutId, payout.AttemptKey }, context.Transaction);

    /// <summary>
    /// A transfer for the payout exists on Stripe, so the prize is paid: recorded once,
    /// whichever of the transfer job, a lookup or a transfer event sees it first. A transfer
    /// that does not match the order is never recorded as its payment.
    /// </summary>
    /// <param name="answer">
    /// The transfer is Stripe's answer to this payout's own request (created under its key, or
    /// found by its lookup): one that does not match quarantines the payout. A transfer read
    /// after an event may be anybody's: it is alerted and not recorded, and the payout stays.
    /// </param>
    public static async Task<bool> MarkPaidAsync(TransactionContext context, string payoutId,
        TransferSeen transfer, string how, bool answer = false)
    {
        var payout = await FindAsync(context, payoutId);
        if (payout is null) return false;
        // This transfer is recorded already (it may have been reversed since): nothing new.
        if (payout.TransferId == transfer.Id) return false;
        // The destination must be the winner's account in every case: the one the payout was
        // sent to, or (a transfer this worker did not send) the one the winner has.
        var account = payout.AccountId ?? (await RecipientStore.FindAsync(context, payout.PlayerId))?.AccountId;
        if (RefusalToMarkPaid(context, payout, transfer, account) is { } refusal)
        {
            if (answer && refusal == TransferMismatch && payout.State == PayoutState.Submitting)
                await QuarantineAsync(context, payout, transfer, how);
            return false;
        }
        var now = context.Clock.GetUtcNow();
        await SaveAsync(context, payout, payout with
        {
            State = PayoutState.Paid, Hold = null, Reason = $"{how}: {transfer.Id}", TransferId = transfer.Id,
            AccountId = account, PaidAt = now, LeaseUntil = null,
        });
        PublishFact(context, payout, PrizeTransferred.MessageIdFor(payoutId),
            new PrizeTransferred(payoutId, payout.ContestId,
            payout.EntryId, payout.PlayerId, account!, transfer.Id, transfer.AmountMinor, payout.Currency, now));
        return true;
    }

    private const string TransferMismatch = "transfer_mismatch";

    /// <summary>
    /// A transfer for another amount, currency or destination names the payout: money may have
    /// left, and not as ordered. The payout is quarantined, for good: the transfer job never
    /// sends it again (under this key or any other), no decision moves it, and the ledger books
    /// what the transfer moved as in question (<see cref="PrizeTransferQuarantined"/>).
    /// </summary>
    private static async Task QuarantineAsync(TransactionContext context, PayoutRow payout, TransferSeen transfer,
        string how)
    {
        var to = transfer.Destination ?? "no destination";
        var reason = $"{how}: transfer {transfer.Id} of {transfer.AmountMinor} {transfer.Currency} to {to} " +
            $"is not the {payout.AmountMinor} {payout.Currency} ordered; quarantined: reconcile it on Stripe by hand";
        await SaveAsync(context, payout, payout with
        {
            State = PayoutState.Quarantined, Hold = null, Reason = reason, TransferId = transfer.Id,
            LeaseUntil = null,
        });
        PublishFact(context, payout, PrizeTransferQuarantined.MessageIdFor(payout.PayoutId),
            new PrizeTransferQuarantined(payout.PayoutId, payout.ContestId, payout.PlayerId,
                transfer.Id, transfer.Destination,
            transfer.AmountMinor, transfer.Currency.ToUpperInvariant(),
            reason, context.Clock.GetUtcNow()));
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "payout_quarantined", payout.PayoutId,
            $"payout {payout.PayoutId} to player {payout.PlayerId}: {reason}; it is never sent again", transfer.Id);
    }

    /// <summary>
    /// Why a transfer is not recorded as the payout's payment (a critical alert), or null when it may be.
    /// </summary>
    private static string? RefusalToMarkPaid(TransactionContext context, PayoutRow payout, TransferSeen transfer,
        string? account)
    {
        var (payoutId, id) = (payout.PayoutId, transfer.Id);
        var refusal = payout.State == PayoutState.Paid
            ? ("second_transfer",
                $"payout {payoutId} was paid by {payout.TransferId}, and transfer {id} also names it: " +
                "investigate and reverse one")
            : transfer.AmountMinor != payout.AmountMinor || account is null || transfer.Destination != account
                || !string.Equals(transfer.Currency, payout.Currency, StringComparison.OrdinalIgnoreCase)
            ? (TransferMismatch,
                $"transfer {id} ({transfer.AmountMinor} {transfer.Currency} to " +
                $"{transfer.Destination ?? "no destination"}) names " +
                $"payout {payoutId} ({payout.AmountMinor} {payout.Currency} to " +
                $"{account ?? "a winner with no account"}) but does " +
                "not match it; not recorded as its payment")
            : payout.State == PayoutState.Rejected
            ? ("transfer_for_rejected_payout",
                $"transfer {id} exists for payout {payoutId}, which an operator rejected: reverse " +
                "it or reconcile by hand")
            : ((string, string)?)null;
        if (refusal is not { } r) return null;
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, r.Item1, payoutId, r.Item2, id);
        return r.Item1;
    }
}
