using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Extensions;
using ContestPipeline.Settlement.Ledger;
using Dapper;

namespace ContestPipeline.Settlement.Handlers;

// What Payout reports on payouts.status, recorded as money facts: each handler checks the
// message against the order Settlement made, posts a journal entry whose id is the fact (so
// a fact recorded twice is one entry) and notes it on the payout. A message that does not
// match its order is a bug in Payout or a forged message: it is rejected, naming the payout
// and every field that differs, and dead-lettered with an alert rather than booked.

/// <summary>A payout as Settlement ordered it, and what Payout has reported of it so far.</summary>
internal sealed record PayoutRecord(
    string PayoutId,
    string ContestId,
    string EntryId,
    string PlayerId,
    long NetMinor,
    string Currency,
    string? TransferId,
    long ReversedMinor,
    bool Rejected,
    string ContestState)
{
    public Money Amount(long minor) => new(minor, Contracts.Currency.Parse(Currency));

    /// <summary>The payout, locked for the rest of the transaction; unknown is a rejection.</summary>
    public static async Task<PayoutRecord> ForUpdateAsync(HandlerContext context, string messageType, string payoutId)
    {
        var payout = await context.Connection.QueryFirstOrDefaultAsync<PayoutRecord>("""
            SELECT p.payout_id AS PayoutId, p.contest_id AS ContestId, p.entry_id AS EntryId, p.player_id AS PlayerId, p.net_minor AS NetMinor,
                   p.currency AS Currency, p.transfer_id AS TransferId, p.reversed_minor AS ReversedMinor, p.rejected_at IS NOT NULL AS Rejected,
                   c.state AS ContestState
            FROM settlement.payouts p JOIN settlement.contests c USING (contest_id) WHERE p.payout_id = @payoutId FOR UPDATE OF p
            """, new { payoutId }, context.Transaction);
        return payout ?? throw new MessageRejectedException($"{messageType} for payout {payoutId}: unknown payout id; Settlement ordered no such payout");
    }

    /// <summary>Rejects the message, listing every field that differs from what Settlement recorded (named by <c>Recorded</c>).</summary>
    public void Expect(string messageType, params (string Field, object? Reported, string Recorded, object? Value)[] fields) =>
        Recorded.Expect($"{messageType} for payout {PayoutId}", fields);
}

/// <summary>A reported fact checked against what Settlement recorded.</summary>
internal static class Recorded
{
    /// <summary>Rejects the message about <paramref name="subject"/>, listing every field that differs from the record.</summary>
    public static void Expect(string subject, params (string Field, object? Reported, string Recorded, object? Value)[] fields)
    {
        var differences = fields.Where(f => !Equals(f.Reported, f.Value))
            .Select(f => $"{f.Field} {Show(f.Reported)} differs from the {f.Recorded} {Show(f.Value)}").ToList();
        if (differences.Count > 0)
            throw new MessageRejectedException($"{subject}: {string.Join(" | ", differences)}");
    }

    private static string Show(object? value) => value is string s ? $"'{s}'" : value?.ToString() ?? "null";
}

/// <summary>A prize is paid: the winner's payable is settled from the platform's Stripe balance.</summary>
public sealed class PrizeTransferredHandler : IMessageHandler
{
    public string MessageType => PrizeTransferred.MessageType;
    public int SchemaVersionMax => PrizeTransferred.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var t = message.Body<PrizeTransferred>();
        var payout = await PayoutRecord.ForUpdateAsync(context, MessageType, t.PayoutId);
        payout.Expect(MessageType, ("contestId", t.ContestId, "contest", payout.ContestId), ("entryId", t.EntryId, "winning entry", payout.EntryId),
            ("playerId", t.PlayerId, "winner", payout.PlayerId), ("amountMinor", t.AmountMinor, "net prize ordered", payout.NetMinor),
            ("currency", t.Currency, "currency ordered", payout.Currency));
        var net = payout.Amount(payout.NetMinor);
        if (!await Journal.PostAsync(context, $"transfer:{t.PayoutId}", payout.ContestId, "transfer_sent",
                $"prize of entry {t.EntryId} transferred to {t.AccountId} ({t.TransferId})",
                [Posting.Debit(Accounts.PrizesPayable(payout.PlayerId), net), Posting.Credit(Accounts.StripeBalance, net)]))
            return;
        await context.Connection.ExecuteAsync(
            "UPDATE settlement.payouts SET transfer_id = @TransferId, paid_at = @TransferredAt WHERE payout_id = @PayoutId",
            t, context.Transaction);
        // Money moved, so the ledger records it whatever the payout's state; a prize paid after
        // it was withheld has now been given twice over, which only an operator can settle.
        if (payout.Rejected)
            context.RaiseAlert(SettlementWorker.Name, AlertSeverities.Critical, "transfer_after_rejection", $"payout {t.PayoutId}",
                $"payout {t.PayoutId} of contest {payout.ContestId} was transferred ({t.TransferId}, {net}) after an operator rejected it and its prize was withheld",
                t.PayoutId);
        await Settler.TryMarkPaidAsync(context, payout.ContestId, message.Envelope);
    }
}

/// <summary>
/// Money came back from a prize transfer: the prize is payable again. Totals only grow and
/// arrive in order on the contest's partition, so a total already recorded is a repeat and a
/// total that does not follow the recorded one is a gap (rejected, to be re-driven in order).
/// </summary>
public sealed class PrizeTransferReversedHandler : IMessageHandler
{
    public string MessageType => PrizeTransferReversed.MessageType;
    public int SchemaVersionMax => PrizeTransferReversed.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var r = message.Body<PrizeTransferReversed>();
        var payout = await PayoutRecord.ForUpdateAsync(context, MessageType, r.PayoutId);
        if (payout.TransferId is null)
            throw new MessageRejectedException($"{MessageType} for payout {r.PayoutId}: no transfer is recorded for it yet (transferId '{r.TransferId}')");
        payout.Expect(MessageType, ("contestId", r.ContestId, "contest", payout.ContestId), ("playerId", r.PlayerId, "winner", payout.PlayerId),
            ("currency", r.Currency, "currency ordered", payout.Currency), ("transferId", r.TransferId, "transfer recorded", payout.TransferId));
        if (r.ReversedTotalMinor <= payout.ReversedMinor) return;
        if (r.AmountMinor <= 0 || r.ReversedTotalMinor != payout.ReversedMinor + r.AmountMinor || r.ReversedTotalMinor > payout.NetMinor)
            throw new MessageRejectedException(
                $"{MessageType} for payout {r.PayoutId}: amountMinor {r.AmountMinor} and reversedTotalMinor {r.ReversedTotalMinor} do not follow "
                + $"the {payout.ReversedMinor} reversed so far of the net prize {payout.NetMinor}");

        var amount = payout.Amount(r.AmountMinor);
        await Journal.PostAsync(context, $"reversal:{r.PayoutId}:{r.ReversedTotalMinor}", payout.ContestId, "transfer_reversed",
            $"transfer {r.TransferId} of payout {r.PayoutId} reversed by {amount} ({r.Reason})",
            [Posting.Debit(Accounts.StripeBalance, amount), Posting.Credit(Accounts.PrizesPayable(payout.PlayerId), amount)]);
        await context.Connection.ExecuteAsync("UPDATE settlement.payouts SET reversed_minor = @ReversedTotalMinor WHERE payout_id = @PayoutId",
            r, context.Transaction);
        if (payout.ContestState == "PAID")
            context.RaiseAlert(SettlementWorker.Name, AlertSeverities.Critical, "reversal_after_paid", $"payout {r.PayoutId}",
                $"transfer {r.TransferId} of payout {r.PayoutId} was reversed by {amount} ({r.Reason}) after contest {payout.ContestId} was PAID; "
                + $"{payout.PlayerId} is owed it again and the contest stays PAID",
                $"{r.PayoutId}:{r.ReversedTotalMinor}");
    }
}

/// <summary>
/// An operator rejected a payout: it is never sent, and what it still owed the winner (the net
/// prize, less whatever stayed transferred) moves from the winner's payable to withheld prizes.
/// </summary>
public sealed class PayoutRejectedHandler : IMessageHandler
{
    public string MessageType => PayoutRejected.MessageType;
    public int SchemaVersionMax => PayoutRejected.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var r = message.Body<PayoutRejected>();
        var payout = await PayoutRecord.ForUpdateAsync(context, MessageType, r.PayoutId);
        payout.Expect(MessageType, ("contestId", r.ContestId, "contest", payout.ContestId), ("playerId", r.PlayerId, "winner", payout.PlayerId),
            ("amountMinor", r.AmountMinor, "net prize ordered", payout.NetMinor), ("currency", r.Currency, "currency ordered", payout.Currency));
        if (payout.Rejected) return;
        var transferred = payout.TransferId is null ? 0 : payout.NetMinor - payout.ReversedMinor;
        var withheld = payout.Amount(payout.NetMinor - transferred);
        if (withheld.MinorUnits == 0)
        {
            // A rejection cannot undo a transfer that stands: nothing is withheld and the payout stays paid.
            context.RaiseAlert(SettlementWorker.Name, AlertSeverities.Critical, "rejection_after_transfer", $"payout {r.PayoutId}",
                $"payout {r.PayoutId} of contest {payout.ContestId} was rejected by {r.Operator} ({r.Reason}) after its transfer {payout.TransferId}; the transfer stands",
                r.PayoutId);
            return;
        }
        await Journal.PostAsync(context, $"withheld:{r.PayoutId}", payout.ContestId, "prize_withheld",
            $"payout {r.PayoutId} rejected by {r.Operator}: {r.Reason}",
            [Posting.Debit(Accounts.PrizesPayable(payout.PlayerId), withheld), Posting.Credit(Accounts.WithheldPrizes, withheld)]);
        await context.Connection.ExecuteAsync(
            "UPDATE settlement.payouts SET rejected_at = @At, withheld_minor = @withheld WHERE payout_id = @PayoutId",
            new { r.At, withheld = withheld.MinorUnits, r.PayoutId }, context.Transaction);
        await Settler.TryMarkPaidAsync(context, payout.ContestId, message.Envelope);
    }
}

/// <summary>
/// An entry fee went back to the player. A refund id is one per PaymentIntent, so one journal
/// entry per payment however the refund is reported. The fee of an entry leaves its contest's
/// entry-fee account (a cancelled contest's refunds close it). A payment that never became an
/// entry (late, over a limit, refused) was never booked: it is booked now as unapplied and
/// refunded from there, two entries that net to zero and keep both movements traceable.
/// Ingestion decides once whether a payment becomes an entry, and only Settlement orders
/// refunds of entries, after it recorded them, so a payment not among the entries here is not
/// one that will still arrive as an entry.
/// </summary>
public sealed class EntryFeeRefundedHandler : IMessageHandler
{
    public string MessageType => EntryFeeRefunded.MessageType;
    public int SchemaVersionMax => EntryFeeRefunded.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var r = message.Body<EntryFeeRefunded>();
        var expectedId = RefundOrdered.RefundIdFor(r.PaymentIntentId);
        if (r.RefundId != expectedId)
            throw new MessageRejectedException($"{MessageType} {r.RefundId}: the refund id of PaymentIntent {r.PaymentIntentId} is {expectedId}");
        if (!Currency.TryParse(r.Currency, out var currency))
            throw new MessageRejectedException($"{MessageType} {r.RefundId}: currency '{r.Currency}' is not one the ledger keeps");
        if (r.AmountMinor <= 0)
            throw new MessageRejectedException($"{MessageType} {r.RefundId}: amountMinor {r.AmountMinor} is not a refund");
        var amount = new Money(r.AmountMinor, currency);
        var stripe = r.StripeRefundId ?? "refunded outside the pipeline";

        var entry = await context.Connection.QueryFirstOrDefaultAsync<(string EntryId, string ContestId, string PlayerId, long Amount, string Currency, string State)?>("""
            SELECT e.entry_id, e.contest_id, e.player_id, e.amount_minor, e.currency, c.state
            FROM settlement.entries e JOIN settlement.contests c USING (contest_id) WHERE e.payment_intent_id = @PaymentIntentId
            """, r, context.Transaction);
        if (entry is not { } e)
        {
            if (!await Journal.PostAsync(context, $"unapplied:{r.RefundId}", r.ContestId, "payment_unapplied",
                    $"payment {r.PaymentIntentId} of {r.PlayerId} for contest {r.ContestId} made no entry ({r.Reason})",
                    [Posting.Debit(Accounts.StripeBalance, amount), Posting.Credit(Accounts.UnappliedPayments, amount)]))
                return;
            await Journal.PostAsync(context, $"refund:{r.RefundId}", r.ContestId, "refund", $"payment {r.PaymentIntentId} refunded ({stripe})",
                [Posting.Debit(Accounts.UnappliedPayments, amount), Posting.Credit(Accounts.StripeBalance, amount)]);
            return;
        }

        Recorded.Expect($"{MessageType} {r.RefundId} of entry {e.EntryId}",
            ("contestId", r.ContestId, "entry's contest", e.ContestId), ("playerId", r.PlayerId, "entry's player", e.PlayerId),
            ("amountMinor", r.AmountMinor, "entry fee", e.Amount), ("currency", r.Currency, "entry's currency", e.Currency));
        if (!await Journal.PostAsync(context, $"refund:{r.RefundId}", e.ContestId, "refund", $"entry fee of {e.EntryId} refunded ({stripe}): {r.Reason}",
                [Posting.Debit(Accounts.EntryFees(e.ContestId), amount), Posting.Credit(Accounts.StripeBalance, amount)]))
            return;
        await context.Connection.ExecuteAsync(
            "UPDATE settlement.refund_orders SET refunded_at = @RefundedAt, stripe_refund_id = @StripeRefundId WHERE refund_id = @RefundId",
            r, context.Transaction);
        // Only a cancelled contest's entries are refunded by order; the fee of any other was
        // kept for its pool, so its contest's entry-fee account is now open by the refund.
        if (e.State != "CANCELLED")
            context.RaiseAlert(SettlementWorker.Name, AlertSeverities.Critical, "entry_fee_refunded_not_cancelled", $"entry {e.EntryId}",
                $"the entry fee of {e.EntryId} ({r.PaymentIntentId}, {amount}) was refunded ({stripe}) while contest {e.ContestId} is {e.State}; "
                + $"its entry-fee account is open by {amount}",
                r.RefundId);
    }
}
