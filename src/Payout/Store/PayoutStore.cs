using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Domain;
using ContestPipeline.Payout.Extensions;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
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
    /// <summary>The message id of the order: the cause of what Payout publishes about the payout.</summary>
    public string? OrderedBy { get; init; }

    public Cause Cause => Cause.Recorded(ContestId, OrderedBy ?? PayoutId);
}

/// <summary>
/// Reads and writes payouts and what they depend on (recipients, frozen payments). Every
/// payout write is the whole mutable row against the version it was read at: a transition the
/// lifecycle table forbids is a bug, and a row changed meanwhile is a conflict (retried). A
/// change of state or hold publishes <see cref="PayoutStatusChanged"/> in the same transaction.
/// </summary>
public static class PayoutStore
{
    public const string Columns = """
        payout_id, contest_id, entry_id, player_id, payment_intent_id, amount_minor, currency, state, hold_kind, reason, version,
        released, attempt_key, key_generation, submitted_at, rounds, next_attempt_at, lease_until, account_id, transfer_id,
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
                attempt_key = @AttemptKey, key_generation = @KeyGeneration, submitted_at = @SubmittedAt, rounds = @Rounds,
                next_attempt_at = @NextAttemptAt, lease_until = @LeaseUntil, account_id = @AccountId, transfer_id = @TransferId,
                reversed_minor = @ReversedMinor, paid_at = @PaidAt, updated_at = @now
            WHERE payout_id = @PayoutId AND version = @expected
            """, new DynamicParameters(stored).With(new { expected = before.Version, now = context.Clock.GetUtcNow() }), context.Transaction);
        if (updated != 1)
            throw new ConcurrencyConflictException($"payout {before.PayoutId} changed concurrently (expected version {before.Version})");
        if (before.State != stored.State || before.HoldKind != stored.HoldKind)
            PublishStatus(context, stored, before.State, stored);
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

    /// <summary>The recipient's payouts sent or being sent, in the rolling 24 hours and this calendar month (UTC).</summary>
    public static async Task<RecipientActivity> ActivityAsync(HandlerContext context, PayoutRow payout, DateTimeOffset now)
    {
        var dayStart = now - TimeSpan.FromHours(24);
        var monthStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var a = await context.Connection.QueryFirstAsync<(long DayCount, long DayAmount, DateTime? DayOldest, long MonthAmount)>("""
            SELECT count(*) FILTER (WHERE at >= @dayStart), coalesce(sum(amount_minor) FILTER (WHERE at >= @dayStart), 0),
                   min(at) FILTER (WHERE at >= @dayStart), coalesce(sum(amount_minor) FILTER (WHERE at >= @monthStart), 0)
            FROM (SELECT amount_minor, coalesce(paid_at, submitted_at) AS at FROM payout.payouts
                  WHERE player_id = @PlayerId AND currency = @Currency AND payout_id <> @PayoutId AND state = ANY(@sent)) sent
            """, new { payout.PlayerId, payout.Currency, payout.PayoutId, dayStart, monthStart, sent = PayoutLifecycle.Sent.ToArray() }, context.Transaction);
        return new RecipientActivity(checked((int)a.DayCount), a.DayAmount,
            a.DayOldest is { } oldest ? new DateTimeOffset(DateTime.SpecifyKind(oldest, DateTimeKind.Utc)) : null, a.MonthAmount);
    }

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
        if (transfer.Amount != payout.AmountMinor || !string.Equals(transfer.Currency, payout.Currency, StringComparison.OrdinalIgnoreCase)
            || (payout.AccountId is not null && transfer.Destination != payout.AccountId))
        {
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "transfer_mismatch", payoutId,
                $"transfer {transfer.Id} ({transfer.Amount} {transfer.Currency} to {transfer.Destination}) names payout {payoutId} " +
                $"({payout.AmountMinor} {payout.Currency} to {payout.AccountId}) but does not match it; not recorded as its payment", transfer.Id);
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
            State = PayoutStates.Paid, HoldKind = null, Reason = $"{how}: {transfer.Id}", TransferId = transfer.Id, AccountId = transfer.Destination,
            PaidAt = now, LeaseUntil = null,
        });
        PublishFact(context, payout, PrizeTransferred.MessageIdFor(payoutId), new PrizeTransferred(payoutId, payout.ContestId, payout.EntryId,
            payout.PlayerId, transfer.Destination, transfer.Id, transfer.Amount, payout.Currency, now));
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

    /// <summary>Winners waiting for an account who have none yet, each with one of their contests.</summary>
    public static async Task<IReadOnlyList<(string PlayerId, string ContestId)>> PlayersWithoutAccountAsync(HandlerContext context, int limit) =>
        [.. await context.Connection.QueryAsync<(string, string)>("""
            SELECT p.player_id, min(p.contest_id) FROM payout.payouts p
            WHERE p.state = @awaiting AND NOT EXISTS (SELECT 1 FROM payout.recipients r WHERE r.player_id = p.player_id)
            GROUP BY p.player_id ORDER BY p.player_id LIMIT @limit
            """, new { awaiting = PayoutStates.AwaitingAccount, limit }, context.Transaction)];

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
            ON CONFLICT (account_id) DO UPDATE SET event_id = excluded.event_id, requested_at = excluded.requested_at
            """, new { accountId, eventId, now = context.Clock.GetUtcNow() }, context.Transaction);

    public static async Task<IReadOnlyList<(string AccountId, string EventId, DateTimeOffset RequestedAt)>> AccountRefreshesAsync(HandlerContext context, int limit) =>
        [.. (await context.Connection.QueryAsync<(string, string, DateTime)>(
            "SELECT account_id, event_id, requested_at FROM payout.account_refreshes ORDER BY requested_at, account_id LIMIT @limit",
            new { limit }, context.Transaction)).Select(r => (r.Item1, r.Item2, new DateTimeOffset(DateTime.SpecifyKind(r.Item3, DateTimeKind.Utc))))];

    /// <summary>Done with a refresh, unless another event asked again after it was read (then it is read again).</summary>
    public static Task CompleteAccountRefreshAsync(HandlerContext context, string accountId, DateTimeOffset requestedAt) =>
        context.Connection.ExecuteAsync("DELETE FROM payout.account_refreshes WHERE account_id = @accountId AND requested_at <= @requestedAt",
            new { accountId, requestedAt }, context.Transaction);

    // ---- frozen entry-fee payments ----------------------------------------------------------------------

    public static Task<bool> IsFrozenAsync(HandlerContext context, string paymentIntentId) =>
        context.Connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM payout.frozen_payments WHERE payment_intent_id = @paymentIntentId AND resolved_at IS NULL)",
            new { paymentIntentId }, context.Transaction);

    /// <summary>Freezes a payment's prizes; false when it is frozen already.</summary>
    public static async Task<bool> FreezeAsync(HandlerContext context, string paymentIntentId, string cause, string? disputeId) =>
        await context.Connection.ExecuteAsync("""
            INSERT INTO payout.frozen_payments (payment_intent_id, cause, dispute_id, since) VALUES (@paymentIntentId, @cause, @disputeId, @now)
            ON CONFLICT (payment_intent_id) DO UPDATE SET cause = excluded.cause, dispute_id = excluded.dispute_id, since = excluded.since,
                resolved_at = NULL, resolution = NULL
            WHERE frozen_payments.resolved_at IS NOT NULL
            """, new { paymentIntentId, cause, disputeId, now = context.Clock.GetUtcNow() }, context.Transaction) == 1;

    /// <summary>Unfreezes a payment whose dispute was won; false when no such open dispute is recorded.</summary>
    public static async Task<bool> ResolveDisputeWonAsync(HandlerContext context, string paymentIntentId, string? disputeId) =>
        await context.Connection.ExecuteAsync("""
            UPDATE payout.frozen_payments SET resolved_at = @now, resolution = 'won'
            WHERE payment_intent_id = @paymentIntentId AND cause = 'disputed' AND dispute_id = @disputeId AND resolved_at IS NULL
            """, new { paymentIntentId, disputeId, now = context.Clock.GetUtcNow() }, context.Transaction) == 1;

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
