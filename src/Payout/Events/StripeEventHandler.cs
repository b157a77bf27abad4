using System.Text.Json;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Payout.Extensions;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Plumbing.Stripe;
using Dapper;

namespace ContestPipeline.Payout.Events;

/// <summary>
/// Stripe's events, each applied once (the inbox keys them by event id) and in any order:
/// every handler reads the object's current state or compares totals rather than trusting
/// that events arrive in the order Stripe made them. What was made of each event is kept in
/// payout.stripe_events.
/// </summary>
public sealed class StripeEventHandler(IStripeClient stripe) : IMessageHandler
{
    public string MessageType => StripeEventReceived.MessageType;
    public int SchemaVersionMax => StripeEventReceived.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        StripeEvent e;
        try
        {
            e = StripeEvent.Parse(message.Value ?? []);
        }
        catch (JsonException ex)
        {
            throw new MessageRejectedException($"not a readable Stripe event: {ex.Message}");
        }
        var obj = e.Data.Object;
        var objectId = Text(obj, "id") ?? throw new MessageRejectedException($"event {e.Id} ({e.Type}): data.object has no id");
        var outcome = e.Type switch
        {
            "transfer.created" or "transfer.updated" or "transfer.paid" => await TransferExistsAsync(context, Read<StripeTransfer>(e)),
            "transfer.reversed" => await TransferReversedAsync(context, Read<StripeTransfer>(e), e, "transfer reversed"),
            "transfer.failed" => await TransferReversedAsync(context, Read<StripeTransfer>(e), e, "transfer failed (legacy event)"),
            "account.updated" => await AccountUpdatedAsync(context, objectId, ct),
            "payout.paid" or "payout.failed" => await BankPayoutAsync(context, e, obj),
            "charge.refunded" => await ChargeRefundedAsync(context, obj),
            "charge.dispute.created" => await DisputeCreatedAsync(context, obj),
            "charge.dispute.closed" => await DisputeClosedAsync(context, obj),
            _ => "not handled",
        };
        await context.Connection.ExecuteAsync("""
            INSERT INTO payout.stripe_events (event_id, type, object_id, account, created, outcome, received_at)
            VALUES (@Id, @Type, @objectId, @Account, @Created, @outcome, @now) ON CONFLICT (event_id) DO NOTHING
            """, new { e.Id, e.Type, objectId, e.Account, e.Created, outcome, now = context.Clock.GetUtcNow() }, context.Transaction);
    }

    private static T Read<T>(StripeEvent e)
    {
        try
        {
            return e.Data.Object.Deserialize<T>(StripeJson.Options) ?? throw new JsonException("null object");
        }
        catch (JsonException ex)
        {
            throw new MessageRejectedException($"event {e.Id} ({e.Type}): data.object is not a {typeof(T).Name}: {ex.Message}");
        }
    }

    private static string? Text(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    // ---- transfers -------------------------------------------------------------------------

    private static async Task<string> TransferExistsAsync(HandlerContext context, StripeTransfer transfer)
    {
        if (!transfer.Metadata.TryGetValue("payout_id", out var payoutId)) return "not a prize transfer";
        var payout = await PayoutStore.FindAsync(context, payoutId, forUpdate: false);
        if (payout is null)
        {
            context.RaiseAlert(PayoutWorker.Name, "warning", "transfer_for_unknown_payout", transfer.Id,
                $"transfer {transfer.Id} names payout {payoutId}, which Payout never ordered", transfer.Id);
            return "unknown payout " + payoutId;
        }
        return await PayoutActions.MarkPaidAsync(context, payoutId, transfer, "transfer seen on Stripe") == 1 ? "recorded paid" : "already recorded";
    }

    /// <summary>
    /// Money came back from a prize transfer. Totals are compared, not events counted, so a
    /// duplicate or late event adds nothing. The payout fails for an operator: re-sending under
    /// its key would only replay the reversed transfer.
    /// </summary>
    private static async Task<string> TransferReversedAsync(HandlerContext context, StripeTransfer transfer, StripeEvent e, string what)
    {
        var payout = await PayoutStore.FindByTransferAsync(context, transfer.Id);
        if (payout is null) return "not a recorded prize transfer";
        var total = e.Type == "transfer.failed" ? transfer.Amount : transfer.AmountReversed;
        var delta = total - payout.ReversedMinor;
        if (delta <= 0) return "already recorded";
        var now = context.Clock.GetUtcNow();
        await PayoutStore.SaveAsync(context, payout, payout with
        {
            State = PayoutStates.Failed, ReversedMinor = total, Reason = $"{what}: {total} of {transfer.Amount} came back",
        });
        PayoutStore.PublishFact(context, payout.ContestId, PrizeTransferReversed.MessageIdFor(payout.PayoutId, total), PrizeTransferReversed.MessageType,
            PrizeTransferReversed.SchemaVersion, new PrizeTransferReversed(payout.PayoutId, payout.ContestId, payout.PlayerId, transfer.Id, delta, total,
                payout.Currency, what, now));
        context.RaiseAlert(PayoutWorker.Name, "critical", "transfer_reversed", payout.PayoutId,
            $"{what}: {transfer.Id} for payout {payout.PayoutId} ({total} of {transfer.Amount} {payout.Currency} back); the prize is owed again: " +
            $"reject it to withhold it (cpctl payouts reject {payout.PayoutId})", $"{transfer.Id}:{total}");
        return $"reversed {delta}";
    }

    // ---- accounts --------------------------------------------------------------------------

    /// <summary>
    /// Read the account as it is now (events about one account can arrive in any order), and
    /// when it is a player's and can receive, let that player's waiting payouts go.
    /// </summary>
    private async Task<string> AccountUpdatedAsync(HandlerContext context, string accountId, CancellationToken ct)
    {
        StripeAccount account;
        try
        {
            account = await stripe.GetAccountAsync(accountId, ct);
        }
        catch (StripeException ex) when (ex.Code == StripeErrorCodes.ResourceMissing)
        {
            return "account not found";
        }
        catch (StripeException ex) when (ex.IsRetryable)
        {
            throw new TransientDependencyException("Stripe", ex);
        }
        if (!account.Metadata.TryGetValue("player_id", out var playerId)) return "not a player's account";
        var canReceive = Recipients.CanReceive(account);
        var now = context.Clock.GetUtcNow();
        var current = await context.Connection.QueryFirstOrDefaultAsync<(string AccountId, bool CanReceive)?>(
            "SELECT account_id, can_receive FROM payout.recipients WHERE player_id = @playerId FOR UPDATE", new { playerId }, context.Transaction);
        if (current is { } c && c.AccountId != account.Id && (c.CanReceive || !canReceive))
            return $"player {playerId} receives on {c.AccountId}";
        await context.Connection.ExecuteAsync("""
            INSERT INTO payout.recipients (player_id, account_id, can_receive, account_created_at, updated_at)
            VALUES (@playerId, @accountId, @canReceive, @created, @now)
            ON CONFLICT (player_id) DO UPDATE SET account_id = excluded.account_id, can_receive = excluded.can_receive,
                account_created_at = excluded.account_created_at, updated_at = excluded.updated_at
            """, new { playerId, accountId = account.Id, canReceive, created = DateTimeOffset.FromUnixTimeSeconds(account.Created), now },
            context.Transaction);
        if (!canReceive) return $"player {playerId}: {account.Id} cannot receive yet";

        var waiting = (await context.Connection.QueryAsync<PayoutRow>(
            $"SELECT {PayoutStore.Columns} FROM payout.payouts WHERE player_id = @playerId AND state = 'awaiting_account' ORDER BY payout_id FOR UPDATE",
            new { playerId }, context.Transaction)).ToList();
        foreach (var payout in waiting)
            await PayoutStore.SaveAsync(context, payout, payout with
            {
                State = PayoutStates.Waiting, Reason = $"account {account.Id} can receive transfers", NextAttemptAt = now,
            });
        return $"player {playerId}: {account.Id} can receive; {waiting.Count} payouts resumed";
    }

    /// <summary>A winner's bank payout from their connected account. A failed one is theirs to fix, not a failed prize.</summary>
    private static async Task<string> BankPayoutAsync(HandlerContext context, StripeEvent e, JsonElement obj)
    {
        var id = Text(obj, "id")!;
        var account = e.Account ?? "";
        var status = e.Type == "payout.paid" ? "paid" : "failed";
        var failureCode = Text(obj, "failure_code");
        await context.Connection.ExecuteAsync("""
            INSERT INTO payout.bank_payouts (stripe_payout_id, account_id, amount_minor, currency, status, failure_code, updated_at)
            VALUES (@id, @account, @amount, @currency, @status, @failureCode, @now)
            ON CONFLICT (stripe_payout_id) DO UPDATE SET status = excluded.status, failure_code = excluded.failure_code, updated_at = excluded.updated_at
            """, new
        {
            id, account, amount = obj.TryGetProperty("amount", out var a) && a.TryGetInt64(out var v) ? v : 0L,
            currency = Text(obj, "currency") ?? "", status, failureCode, now = context.Clock.GetUtcNow(),
        }, context.Transaction);
        if (status == "failed")
        {
            var player = await context.Connection.QueryFirstOrDefaultAsync<string>(
                "SELECT player_id FROM payout.recipients WHERE account_id = @account", new { account }, context.Transaction);
            context.RaiseAlert(PayoutWorker.Name, "warning", "bank_payout_failed", account,
                $"bank payout {id} from {account} (player {player ?? "unknown"}) failed ({failureCode}): tell the winner to fix their bank details; the prize itself is paid",
                id);
        }
        return "bank payout " + status;
    }

    // ---- entry-fee refunds and disputes ------------------------------------------------------

    private static async Task<string> ChargeRefundedAsync(HandlerContext context, JsonElement charge)
    {
        var paymentIntent = Text(charge, "payment_intent");
        if (paymentIntent is null) return "charge without a payment intent";
        var ours = await context.Connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM payout.refunds WHERE payment_intent_id = @paymentIntent)", new { paymentIntent }, context.Transaction);
        if (ours) return "a refund this pipeline made";
        return await FreezeAsync(context, paymentIntent, "refunded", null,
            $"the entry fee {paymentIntent} was refunded outside the pipeline (the ledger does not show it): its prize waits for an operator");
    }

    private static async Task<string> DisputeCreatedAsync(HandlerContext context, JsonElement dispute)
    {
        var paymentIntent = Text(dispute, "payment_intent");
        if (paymentIntent is null) return "dispute without a payment intent";
        return await FreezeAsync(context, paymentIntent, "disputed", Text(dispute, "id"),
            $"the entry fee {paymentIntent} is disputed ({Text(dispute, "reason")}): its prize waits until the dispute closes");
    }

    private static async Task<string> FreezeAsync(HandlerContext context, string paymentIntent, string cause, string? disputeId, string message)
    {
        var now = context.Clock.GetUtcNow();
        var frozen = await context.Connection.ExecuteAsync("""
            INSERT INTO payout.frozen_payments (payment_intent_id, cause, dispute_id, since) VALUES (@paymentIntent, @cause, @disputeId, @now)
            ON CONFLICT (payment_intent_id) DO UPDATE SET cause = excluded.cause, dispute_id = excluded.dispute_id, since = excluded.since,
                resolved_at = NULL, resolution = NULL
            WHERE frozen_payments.resolved_at IS NOT NULL
            """, new { paymentIntent, cause, disputeId, now }, context.Transaction);
        if (frozen == 0) return "already frozen";
        var paid = await context.Connection.QueryAsync<string>(
            "SELECT payout_id FROM payout.payouts WHERE payment_intent_id = @paymentIntent AND state IN ('submitting', 'paid')",
            new { paymentIntent }, context.Transaction);
        var late = paid.Any() ? $"; prize {string.Join(", ", paid)} was already sent" : "";
        context.RaiseAlert(PayoutWorker.Name, paid.Any() ? "critical" : "warning", "entry_fee_" + cause, paymentIntent, message + late,
            $"{paymentIntent}:{disputeId ?? cause}");
        return "frozen: " + cause;
    }

    private static async Task<string> DisputeClosedAsync(HandlerContext context, JsonElement dispute)
    {
        var paymentIntent = Text(dispute, "payment_intent");
        var disputeId = Text(dispute, "id");
        var status = Text(dispute, "status");
        if (paymentIntent is null) return "dispute without a payment intent";
        var now = context.Clock.GetUtcNow();
        var resolved = await context.Connection.ExecuteAsync("""
            UPDATE payout.frozen_payments SET resolved_at = @now, resolution = @status
            WHERE payment_intent_id = @paymentIntent AND cause = 'disputed' AND dispute_id = @disputeId AND resolved_at IS NULL AND @status = 'won'
            """, new { paymentIntent, disputeId, status, now }, context.Transaction);
        if (status != "won")
        {
            context.RaiseAlert(PayoutWorker.Name, "critical", "dispute_lost", paymentIntent,
                $"dispute {disputeId} on entry fee {paymentIntent} closed as {status}: its prize stays frozen; release or reject it", disputeId ?? paymentIntent);
            return "dispute " + status + ": stays frozen";
        }
        if (resolved == 0) return "no open dispute to close";
        var held = (await context.Connection.QueryAsync<PayoutRow>(
            $"SELECT {PayoutStore.Columns} FROM payout.payouts WHERE payment_intent_id = @paymentIntent AND state = 'held' AND hold_kind = 'frozen' FOR UPDATE",
            new { paymentIntent }, context.Transaction)).ToList();
        foreach (var payout in held)
            await PayoutStore.SaveAsync(context, payout, payout with
            {
                State = PayoutStates.Waiting, HoldKind = null, Reason = $"dispute {disputeId} won", NextAttemptAt = now,
            });
        return $"dispute won: {held.Count} payouts resumed";
    }
}
