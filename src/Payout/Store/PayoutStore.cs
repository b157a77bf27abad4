using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Domain;
using ContestPipeline.Payout.Extensions;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Dapper;

namespace ContestPipeline.Payout.Store;

/// <summary>A transfer to read from Stripe, as the event that asked left it.</summary>
public sealed record TransferRead(string TransferId, string EventId, bool LegacyFailed, DateTimeOffset RequestedAt);

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
    /// <summary>An operator released it at least once (what each release waived is in <see cref="Waived"/>).</summary>
    public bool Released { get; init; }
    /// <summary>What operators' releases waived: hold kinds and freezes (<see cref="Waivers"/>).</summary>
    public string[] Waived { get; init; } = [];
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
    /// <summary>The message id of the order: the cause of what Payout publishes about the payout.</summary>
    public string? OrderedBy { get; init; }

    public Cause Cause => Cause.Recorded(ContestId, OrderedBy ?? PayoutId);
}

/// <summary>
/// Reads and writes payouts and what they depend on (recipients, freezes on entry fees, transfers to read). Every
/// payout write is the whole mutable row against the version it was read at: a transition the
/// lifecycle table forbids is a bug, and a row changed meanwhile is a conflict (retried). A
/// change of state or hold publishes <see cref="PayoutStatusChanged"/> in the same transaction.
/// </summary>
public static class PayoutStore
{
    public const string Columns = """
        payout_id, contest_id, entry_id, player_id, payment_intent_id, amount_minor, currency, state, hold_kind, reason, version,
        released, waived, attempt_key, key_generation, submitted_at, rounds, next_attempt_at, lease_until, account_id, transfer_id,
        reversed_minor, ordered_at, paid_at, ordered_by
        """;

    // ---- payouts ------------------------------------------------------------------------------------

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
        var inserted = await context.Connection.ExecuteAsync("""
            INSERT INTO payout.payouts (payout_id, contest_id, entry_id, player_id, payment_intent_id, amount_minor, currency, state, reason,
                version, next_attempt_at, ordered_at, updated_at, ordered_by)
            VALUES (@PayoutId, @ContestId, @EntryId, @PlayerId, @PaymentIntentId, @AmountMinor, @Currency, @State, @Reason,
                @Version, @NextAttemptAt, @OrderedAt, @OrderedAt, @OrderedBy)
            ON CONFLICT (payout_id) DO NOTHING
            """, row, context.Transaction);
        if (inserted == 1) PublishStatus(context, row, "", row);
        if (inserted == 1) context.OnCommitted(() => PipelineTelemetry.PayoutEntered(row.State, row.Currency, row.AmountMinor));
        return inserted == 1;
    }

    /// <summary>Writes <paramref name="after"/> over <paramref name="before"/>; returns the row as stored (version advanced).</summary>
    public static async Task<PayoutRow> SaveAsync(HandlerContext context, PayoutRow before, PayoutRow after)
    {
        if (before.State != after.State) PayoutLifecycle.AssertTransition(before.PayoutId, before.State, after.State);
        if ((after.State == PayoutStates.Held) != (after.HoldKind is not null))
            throw new InvariantViolatedException($"payout {before.PayoutId}: state {after.State} with hold kind '{after.HoldKind}'");
        var stored = after with { Version = before.Version + 1 };
        var updated = await context.Connection.ExecuteAsync("""
            UPDATE payout.payouts SET state = @State, hold_kind = @HoldKind, reason = @Reason, version = @Version, released = @Released,
                waived = @Waived, attempt_key = @AttemptKey, key_generation = @KeyGeneration, submitted_at = @SubmittedAt, rounds = @Rounds,
                next_attempt_at = @NextAttemptAt, lease_until = @LeaseUntil, account_id = @AccountId, transfer_id = @TransferId,
                reversed_minor = @ReversedMinor, paid_at = @PaidAt, updated_at = @now
            WHERE payout_id = @PayoutId AND version = @expected
            """, new DynamicParameters(stored).With(new { expected = before.Version, now = context.Clock.GetUtcNow() }), context.Transaction);
        if (updated != 1)
            throw new ConcurrencyConflictException($"payout {before.PayoutId} changed concurrently (expected version {before.Version})");
        if (before.State != stored.State || before.HoldKind != stored.HoldKind)
            PublishStatus(context, stored, before.State, stored);
        if (before.State != stored.State) context.OnCommitted(() => PipelineTelemetry.PayoutEntered(stored.State, stored.Currency, stored.AmountMinor));
        return stored;
    }

    /// <summary>Payouts the transfer job should look at now, locked (another job instance skips them).</summary>
    public static async Task<IReadOnlyList<PayoutRow>> DueAsync(HandlerContext context, int limit) =>
        [.. await context.Connection.QueryAsync<PayoutRow>($"""
            SELECT {Columns} FROM payout.payouts WHERE {PayoutLifecycle.DueCondition}
            ORDER BY next_attempt_at, payout_id LIMIT @limit FOR UPDATE SKIP LOCKED
            """, new DynamicParameters(PayoutLifecycle.DueParameters(context.Clock.GetUtcNow())).With(new { limit }), context.Transaction)];

    /// <summary>The currencies of due payouts that will ask for the platform's balance (not those sent already).</summary>
    public static async Task<IReadOnlyList<string>> DueCurrenciesAsync(HandlerContext context) =>
        [.. await context.Connection.QueryAsync<string>($"""
            SELECT DISTINCT currency FROM payout.payouts WHERE {PayoutLifecycle.DueCondition} AND state <> @submitting
            """, new DynamicParameters(PayoutLifecycle.DueParameters(context.Clock.GetUtcNow())).With(new { submitting = PayoutStates.Submitting }),
            context.Transaction)];

    /// <summary>
    /// The recipient's other payouts sent or being sent: in the rolling 24 hours, this calendar
    /// month (UTC) and ever, and when the last one went.
    /// </summary>
    public static async Task<RecipientActivity> ActivityAsync(HandlerContext context, PayoutRow payout, DateTimeOffset now)
    {
        var dayStart = now - TimeSpan.FromHours(24);
        var monthStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var a = await context.Connection.QueryFirstAsync<(long DayCount, long DayAmount, DateTime? DayOldest, long MonthAmount, long Count, long Amount, DateTime? Last)>("""
            SELECT count(*) FILTER (WHERE at >= @dayStart), coalesce(sum(amount_minor) FILTER (WHERE at >= @dayStart), 0),
                   min(at) FILTER (WHERE at >= @dayStart), coalesce(sum(amount_minor) FILTER (WHERE at >= @monthStart), 0),
                   count(*), coalesce(sum(amount_minor), 0), max(at)
            FROM (SELECT amount_minor, coalesce(paid_at, submitted_at) AS at FROM payout.payouts
                  WHERE player_id = @PlayerId AND currency = @Currency AND payout_id <> @PayoutId AND state = ANY(@sent)) sent
            """, new { payout.PlayerId, payout.Currency, payout.PayoutId, dayStart, monthStart, sent = PayoutLifecycle.Sent.ToArray() }, context.Transaction);
        return new RecipientActivity(checked((int)a.DayCount), a.DayAmount, Utc(a.DayOldest), a.MonthAmount, checked((int)a.Count), a.Amount, Utc(a.Last));
    }

    private static DateTimeOffset? Utc(DateTime? t) => t is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;

    /// <summary>The prize (not a make-good) already ordered for the entry, if any: at most one prize per entry.</summary>
    public static Task<string?> PrizeOfEntryAsync(HandlerContext context, string entryId) =>
        context.Connection.QueryFirstOrDefaultAsync<string?>("SELECT payout_id FROM payout.payouts WHERE entry_id = @entryId AND payout_id NOT LIKE @makeGoods",
            new { entryId, makeGoods = PrizePayoutOrdered.MakeGoodIdPrefix + "%" }, context.Transaction);

    /// <summary>
    /// Keeps the claims of payouts still being sent by this worker: their lease moves on while
    /// their Stripe calls run. Rows recorded meanwhile (lease cleared) are left alone. Not a
    /// change of state: the version stays.
    /// </summary>
    public static Task<int> RenewLeasesAsync(HandlerContext context, IReadOnlyCollection<string> payoutIds, DateTimeOffset until) =>
        context.Connection.ExecuteAsync("""
            UPDATE payout.payouts SET lease_until = @until
            WHERE payout_id = ANY(@ids) AND state = @submitting AND lease_until IS NOT NULL AND lease_until < @until
            """, new { ids = payoutIds.ToArray(), until, submitting = PayoutStates.Submitting }, context.Transaction);

    /// <summary>Payouts of one player in one state, locked, in payout id order.</summary>
    public static async Task<IReadOnlyList<PayoutRow>> OfPlayerAsync(HandlerContext context, string playerId, string state) =>
        [.. await context.Connection.QueryAsync<PayoutRow>(
            $"SELECT {Columns} FROM payout.payouts WHERE player_id = @playerId AND state = @state ORDER BY payout_id FOR UPDATE",
            new { playerId, state }, context.Transaction)];

    /// <summary>Payouts of prizes won with one entry fee payment, in the given states, locked.</summary>
    public static async Task<IReadOnlyList<PayoutRow>> OfPaymentAsync(HandlerContext context, string paymentIntentId, IReadOnlyList<string> states, string? holdKind = null) =>
        [.. await context.Connection.QueryAsync<PayoutRow>($"""
            SELECT {Columns} FROM payout.payouts WHERE payment_intent_id = @paymentIntentId AND state = ANY(@states)
              AND (@holdKind::text IS NULL OR hold_kind = @holdKind) ORDER BY payout_id FOR UPDATE
            """, new { paymentIntentId, states = states.ToArray(), holdKind }, context.Transaction)];

    /// <summary>
    /// A transfer for the payout exists on Stripe, so the prize is paid: recorded once,
    /// whichever of the transfer job, a lookup or a transfer event sees it first. A transfer
    /// that does not match the order is never recorded as its payment.
    /// </summary>
    public static async Task<bool> MarkPaidAsync(HandlerContext context, string payoutId, StripeTransfer transfer, string how)
    {
        var payout = await FindAsync(context, payoutId);
        if (payout is null) return false;
        // This transfer is recorded already (it may have been reversed since): nothing new.
        if (payout.TransferId == transfer.Id) return false;
        if (payout.State == PayoutStates.Paid)
        {
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "second_transfer", payoutId,
                $"payout {payoutId} was paid by {payout.TransferId}, and transfer {transfer.Id} also names it: investigate and reverse one", transfer.Id);
            return false;
        }
        // The destination must be the winner's account in every case: the one the payout was
        // sent to, or (a transfer this worker did not send) the one the winner has.
        var account = payout.AccountId ?? (await RecipientAsync(context, payout.PlayerId))?.AccountId;
        if (transfer.Amount != payout.AmountMinor || !string.Equals(transfer.Currency, payout.Currency, StringComparison.OrdinalIgnoreCase)
            || account is null || transfer.Destination != account)
        {
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "transfer_mismatch", payoutId,
                $"transfer {transfer.Id} ({transfer.Amount} {transfer.Currency} to {transfer.Destination ?? "no destination"}) names payout {payoutId} " +
                $"({payout.AmountMinor} {payout.Currency} to {account ?? "a winner with no account"}) but does not match it; not recorded as its payment", transfer.Id);
            return false;
        }
        if (payout.State == PayoutStates.Rejected)
        {
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "transfer_for_rejected_payout", payoutId,
                $"transfer {transfer.Id} exists for payout {payoutId}, which an operator rejected: reverse it or reconcile by hand", transfer.Id);
            return false;
        }
        var now = context.Clock.GetUtcNow();
        await SaveAsync(context, payout, payout with
        {
            State = PayoutStates.Paid, HoldKind = null, Reason = $"{how}: {transfer.Id}", TransferId = transfer.Id, AccountId = account,
            PaidAt = now, LeaseUntil = null,
        });
        PublishFact(context, payout, PrizeTransferred.MessageIdFor(payoutId), new PrizeTransferred(payoutId, payout.ContestId, payout.EntryId,
            payout.PlayerId, account, transfer.Id, transfer.Amount, payout.Currency, now));
        return true;
    }

    /// <summary>A payouts.status money fact about a payout (keyed by contest), caused by what is being handled or by the payout's order.</summary>
    public static void PublishFact<T>(HandlerContext context, PayoutRow payout, string messageId, T body) where T : IMessage =>
        context.Publish(context.Cause ?? payout.Cause, Topics.PayoutsStatus, payout.ContestId, messageId, body);

    private static void PublishStatus(HandlerContext context, PayoutRow row, string from, PayoutRow to)
    {
        var now = context.Clock.GetUtcNow();
        PublishFact(context, row, PayoutStatusChanged.MessageIdFor(row.PayoutId, to.Version),
            new PayoutStatusChanged(row.PayoutId, row.ContestId, row.PlayerId, row.AmountMinor, row.Currency, from, to.State, to.HoldKind,
                to.Reason, to.Version, now));
    }

    private static DynamicParameters With(this DynamicParameters parameters, object more)
    {
        parameters.AddDynamicParams(more);
        return parameters;
    }

    // ---- recipients ----------------------------------------------------------------------------------

    public static Task<RecipientView?> RecipientAsync(HandlerContext context, string playerId) =>
        context.Connection.QueryFirstOrDefaultAsync<RecipientView?>(
            "SELECT account_id, can_receive, account_created_at FROM payout.recipients WHERE player_id = @playerId", new { playerId }, context.Transaction);

    /// <summary>
    /// Claims winners waiting for an account who have none, for <paramref name="lease"/>: another
    /// Payout process does not onboard them meanwhile. Returns each with a contest to name.
    /// </summary>
    public static async Task<IReadOnlyList<(string PlayerId, string ContestId)>> ClaimPlayersWithoutAccountAsync(HandlerContext context, int limit, TimeSpan lease)
    {
        var now = context.Clock.GetUtcNow();
        return [.. await context.Connection.QueryAsync<(string, string)>("""
            WITH wanting AS (
                SELECT p.player_id, min(p.contest_id) AS contest_id FROM payout.payouts p
                WHERE p.state = @awaiting AND NOT EXISTS (SELECT 1 FROM payout.recipients r WHERE r.player_id = p.player_id)
                  AND NOT EXISTS (SELECT 1 FROM payout.onboarding_claims c WHERE c.player_id = p.player_id AND c.claimed_until > @now)
                GROUP BY p.player_id ORDER BY p.player_id LIMIT @limit),
            claimed AS (
                INSERT INTO payout.onboarding_claims (player_id, claimed_until) SELECT player_id, @until FROM wanting
                ON CONFLICT (player_id) DO UPDATE SET claimed_until = excluded.claimed_until WHERE onboarding_claims.claimed_until <= @now
                RETURNING player_id)
            SELECT w.player_id, w.contest_id FROM wanting w JOIN claimed c USING (player_id) ORDER BY w.player_id
            """, new { awaiting = PayoutStates.AwaitingAccount, limit, now, until = now + lease }, context.Transaction)];
    }

    /// <summary>Onboarding the player failed: no process tries again before <paramref name="retryAt"/>.</summary>
    public static Task DeferOnboardingAsync(HandlerContext context, string playerId, DateTimeOffset retryAt) =>
        context.Connection.ExecuteAsync("UPDATE payout.onboarding_claims SET claimed_until = @retryAt WHERE player_id = @playerId",
            new { playerId, retryAt }, context.Transaction);

    /// <summary>Records an account made for a player; false when the player has one already.</summary>
    public static async Task<bool> InsertRecipientAsync(HandlerContext context, string playerId, StripeAccount account, string onboardingUrl) =>
        await context.Connection.ExecuteAsync("""
            INSERT INTO payout.recipients (player_id, account_id, can_receive, account_created_at, onboarding_url, updated_at)
            VALUES (@playerId, @accountId, @canReceive, @created, @url, @now) ON CONFLICT (player_id) DO NOTHING
            """, new
        {
            playerId, accountId = account.Id, canReceive = Recipients.CanReceive(account), url = onboardingUrl,
            created = DateTimeOffset.FromUnixTimeSeconds(account.Created), now = context.Clock.GetUtcNow(),
        }, context.Transaction) == 1;

    /// <summary>The player's recipient account and whether it can receive, locked.</summary>
    public static Task<(string AccountId, bool CanReceive)?> RecipientForUpdateAsync(HandlerContext context, string playerId) =>
        context.Connection.QueryFirstOrDefaultAsync<(string AccountId, bool CanReceive)?>(
            "SELECT account_id, can_receive FROM payout.recipients WHERE player_id = @playerId FOR UPDATE", new { playerId }, context.Transaction);

    public static Task UpsertRecipientAsync(HandlerContext context, string playerId, StripeAccount account) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO payout.recipients (player_id, account_id, can_receive, account_created_at, updated_at)
            VALUES (@playerId, @accountId, @canReceive, @created, @now)
            ON CONFLICT (player_id) DO UPDATE SET account_id = excluded.account_id, can_receive = excluded.can_receive,
                account_created_at = excluded.account_created_at, updated_at = excluded.updated_at
            """, new
        {
            playerId, accountId = account.Id, canReceive = Recipients.CanReceive(account),
            created = DateTimeOffset.FromUnixTimeSeconds(account.Created), now = context.Clock.GetUtcNow(),
        }, context.Transaction);

    public static Task MarkCannotReceiveAsync(HandlerContext context, string playerId) =>
        context.Connection.ExecuteAsync("UPDATE payout.recipients SET can_receive = false, updated_at = @now WHERE player_id = @playerId",
            new { playerId, now = context.Clock.GetUtcNow() }, context.Transaction);

    public static Task<string?> PlayerOfAccountAsync(HandlerContext context, string accountId) =>
        context.Connection.QueryFirstOrDefaultAsync<string?>(
            "SELECT player_id FROM payout.recipients WHERE account_id = @accountId", new { accountId }, context.Transaction);

    // ---- account refreshes ------------------------------------------------------------------------------

    public static Task RequestAccountRefreshAsync(HandlerContext context, string accountId, string eventId) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO payout.account_refreshes (account_id, event_id, requested_at) VALUES (@accountId, @eventId, @now)
            ON CONFLICT (account_id) DO UPDATE SET event_id = excluded.event_id, requested_at = excluded.requested_at, claimed_until = NULL
            """, new { accountId, eventId, now = context.Clock.GetUtcNow() }, context.Transaction);

    /// <summary>
    /// Claims accounts to read, oldest request first, for <paramref name="lease"/>: another Payout
    /// process does not read them meanwhile. A new request for one frees its claim (read again).
    /// </summary>
    public static async Task<IReadOnlyList<(string AccountId, string EventId, DateTimeOffset RequestedAt)>> ClaimAccountRefreshesAsync(HandlerContext context, int limit, TimeSpan lease)
    {
        var now = context.Clock.GetUtcNow();
        return [.. (await context.Connection.QueryAsync<(string, string, DateTime)>("""
            UPDATE payout.account_refreshes a SET claimed_until = @until
            WHERE a.account_id IN (
                SELECT account_id FROM payout.account_refreshes WHERE claimed_until IS NULL OR claimed_until <= @now
                ORDER BY requested_at, account_id LIMIT @limit FOR UPDATE SKIP LOCKED)
            RETURNING a.account_id, a.event_id, a.requested_at
            """, new { limit, now, until = now + lease }, context.Transaction))
            .Select(r => (r.Item1, r.Item2, new DateTimeOffset(DateTime.SpecifyKind(r.Item3, DateTimeKind.Utc))))
            .OrderBy(r => r.Item3).ThenBy(r => r.Item1, StringComparer.Ordinal)];
    }

    /// <summary>Done with a refresh, unless another event asked again after it was read (then it is read again).</summary>
    public static Task CompleteAccountRefreshAsync(HandlerContext context, string accountId, DateTimeOffset requestedAt) =>
        context.Connection.ExecuteAsync("DELETE FROM payout.account_refreshes WHERE account_id = @accountId AND requested_at <= @requestedAt",
            new { accountId, requestedAt }, context.Transaction);

    // ---- freezes on entry-fee payments -------------------------------------------------------------------

    /// <summary>The ids of the freezes in force on a payment (open, or a dispute lost), in id order.</summary>
    public static async Task<IReadOnlyList<string>> FreezesInForceAsync(HandlerContext context, string? paymentIntentId) =>
        paymentIntentId is null ? [] : [.. await context.Connection.QueryAsync<string>(
            "SELECT freeze_id FROM payout.freezes WHERE payment_intent_id = @paymentIntentId AND status <> 'won' ORDER BY freeze_id",
            new { paymentIntentId }, context.Transaction)];

    /// <summary>Records a freeze in force; false when it is known already (in force, or a dispute already closed).</summary>
    public static async Task<bool> FreezeAsync(HandlerContext context, string paymentIntentId, string freezeId, string cause) =>
        await context.Connection.ExecuteAsync("""
            INSERT INTO payout.freezes (payment_intent_id, freeze_id, cause, status, since, updated_at)
            VALUES (@paymentIntentId, @freezeId, @cause, 'open', @now, @now) ON CONFLICT DO NOTHING
            """, new { paymentIntentId, freezeId, cause, now = context.Clock.GetUtcNow() }, context.Transaction) == 1;

    /// <summary>
    /// A dispute closed, won or lost, in whichever order its events arrive: recorded closed
    /// even if its charge.dispute.created has not arrived yet (that one then finds it closed).
    /// A closed dispute stays as it closed. False when it was closed already.
    /// </summary>
    public static async Task<bool> CloseDisputeAsync(HandlerContext context, string paymentIntentId, string disputeId, bool won) =>
        await context.Connection.ExecuteAsync("""
            INSERT INTO payout.freezes (payment_intent_id, freeze_id, cause, status, since, updated_at)
            VALUES (@paymentIntentId, @disputeId, @disputed, @status, @now, @now)
            ON CONFLICT (payment_intent_id, freeze_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at
            WHERE freezes.status = 'open'
            """, new { paymentIntentId, disputeId, disputed = Freezes.Disputed, status = won ? "won" : "lost", now = context.Clock.GetUtcNow() },
            context.Transaction) == 1;

    // ---- transfer reads ----------------------------------------------------------------------------------

    /// <summary>Asks for a transfer to be read from Stripe; a legacy transfer.failed marks it failed for good.</summary>
    public static Task RequestTransferReadAsync(HandlerContext context, string transferId, string eventId, bool legacyFailed) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO payout.transfer_reads (transfer_id, event_id, legacy_failed, requested_at) VALUES (@transferId, @eventId, @legacyFailed, @now)
            ON CONFLICT (transfer_id) DO UPDATE SET event_id = excluded.event_id, requested_at = excluded.requested_at,
                legacy_failed = transfer_reads.legacy_failed OR excluded.legacy_failed, claimed_until = NULL
            """, new { transferId, eventId, legacyFailed, now = context.Clock.GetUtcNow() }, context.Transaction);

    /// <summary>
    /// Claims transfers to read, oldest request first, for <paramref name="lease"/>: another Payout
    /// process does not read them meanwhile. A new request for one frees its claim (read again).
    /// </summary>
    public static async Task<IReadOnlyList<TransferRead>> ClaimTransferReadsAsync(HandlerContext context, int limit, TimeSpan lease)
    {
        var now = context.Clock.GetUtcNow();
        return [.. (await context.Connection.QueryAsync<(string, string, bool, DateTime)>("""
            UPDATE payout.transfer_reads t SET claimed_until = @until
            WHERE t.transfer_id IN (
                SELECT transfer_id FROM payout.transfer_reads WHERE claimed_until IS NULL OR claimed_until <= @now
                ORDER BY requested_at, transfer_id LIMIT @limit FOR UPDATE SKIP LOCKED)
            RETURNING t.transfer_id, t.event_id, t.legacy_failed, t.requested_at
            """, new { limit, now, until = now + lease }, context.Transaction))
            .Select(r => new TransferRead(r.Item1, r.Item2, r.Item3, Utc(r.Item4)!.Value))
            .OrderBy(r => r.RequestedAt).ThenBy(r => r.TransferId, StringComparer.Ordinal)];
    }

    /// <summary>Done with a read, unless another event asked again after it was made (then it is read again).</summary>
    public static Task CompleteTransferReadAsync(HandlerContext context, TransferRead read) =>
        context.Connection.ExecuteAsync("DELETE FROM payout.transfer_reads WHERE transfer_id = @TransferId AND requested_at <= @RequestedAt",
            read, context.Transaction);

    /// <summary>Adds what the read made of an event to its record in payout.stripe_events.</summary>
    public static Task AddEventOutcomeAsync(HandlerContext context, string eventId, string outcome) =>
        context.Connection.ExecuteAsync("UPDATE payout.stripe_events SET outcome = outcome || '; ' || @outcome WHERE event_id = @eventId",
            new { eventId, outcome }, context.Transaction);

    // ---- Stripe's events and winners' bank payouts ------------------------------------------------------

    /// <summary>Keeps what was made of a Stripe event, and says so on payouts.status for operators (StripeEventHandled).</summary>
    public static async Task RecordStripeEventAsync(HandlerContext context, StripeEvent e, string objectId, string outcome)
    {
        var inserted = await context.Connection.ExecuteAsync("""
            INSERT INTO payout.stripe_events (event_id, type, object_id, account, created, outcome, received_at)
            VALUES (@Id, @Type, @objectId, @Account, @Created, @outcome, @now) ON CONFLICT (event_id) DO NOTHING
            """, new { e.Id, e.Type, objectId, e.Account, e.Created, outcome, now = context.Clock.GetUtcNow() }, context.Transaction);
        if (inserted == 1)
            context.Publish(Topics.PayoutsStatus, objectId, StripeEventHandled.MessageIdFor(e.Id),
                new StripeEventHandled(e.Id, e.Type, objectId, e.Account, outcome, context.Clock.GetUtcNow()));
    }

    public static Task UpsertBankPayoutAsync(HandlerContext context, string stripePayoutId, string accountId, long amountMinor, string currency, string status, string? failureCode) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO payout.bank_payouts (stripe_payout_id, account_id, amount_minor, currency, status, failure_code, updated_at)
            VALUES (@stripePayoutId, @accountId, @amountMinor, @currency, @status, @failureCode, @now)
            ON CONFLICT (stripe_payout_id) DO UPDATE SET status = excluded.status, failure_code = excluded.failure_code, updated_at = excluded.updated_at
            """, new { stripePayoutId, accountId, amountMinor, currency, status, failureCode, now = context.Clock.GetUtcNow() }, context.Transaction);
}
