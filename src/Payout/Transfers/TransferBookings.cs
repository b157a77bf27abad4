using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Clawbacks;
using ContestPipeline.Payout.Recipients;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Transfers;

/// <summary>
/// What a transfer seen on Stripe means for the payout it names: its payment, recorded once, whichever of the
/// transfer job, a lookup or a transfer read sees it first; a quarantine when the payout's own request came back
/// with a transfer that does not match it; otherwise nothing, with a critical alert saying why.
/// </summary>
public static class TransferBookings
{
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
        var payout = await PayoutStore.FindAsync(context, payoutId);
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
        await PayoutStore.SaveAsync(context, payout, payout with
        {
            State = PayoutState.Paid, Hold = null, Reason = $"{how}: {transfer.Id}", TransferId = transfer.Id,
            AccountId = account, PaidAt = now, LeaseUntil = null,
        });
        PayoutStore.PublishFact(context, payout, PrizeTransferred.MessageIdFor(payoutId),
            new PrizeTransferred(payoutId, payout.ContestId,
            payout.EntryId, payout.PlayerId, account!, transfer.Id, transfer.AmountMinor, payout.Currency, now));
        // The prize is in the winner's account now: their statement shows the balance read again.
        await BalanceReadStore.RequestAsync(context, account!, payout.PlayerId);
        return true;
    }

    /// <summary>
    /// Money came back from a prize transfer (amount_reversed as Stripe shows it now): published for the ledger. A
    /// payout being taken back (<see cref="LostEntryFees"/>) is withheld with it, published after the reversal
    /// so the ledger withholds what came back; any other payout fails for an operator (re-sending under its key would
    /// only replay the reversed transfer), and a rejected one stays rejected. Totals are compared, so a read that finds
    /// nothing new adds nothing. Null when nothing new came back.
    /// </summary>
    public static async Task<string?> ReversedAsync(TransactionContext context, string payoutId,
        TransferSeen transfer, string what)
    {
        var payout = (await PayoutStore.FindAsync(context, payoutId))!;
        var total = transfer.ReversedMinor;
        var delta = total - payout.ReversedMinor;
        if (delta <= 0) return null;
        var now = context.Clock.GetUtcNow();
        var clawback = await ClawbackStore.CauseOfAsync(context, payoutId);
        var withholding = clawback is not null && payout.State != PayoutState.Rejected;
        await PayoutStore.SaveAsync(context, payout, payout with
        {
            State = payout.State == PayoutState.Rejected || withholding ? PayoutState.Rejected : PayoutState.Failed,
            Hold = null, LeaseUntil = null, ReversedMinor = total,
            Reason = clawback is not null
                ? $"withheld: taken back ({clawback}): {total} of {transfer.AmountMinor} came back"
                : $"{what}: {total} of {transfer.AmountMinor} came back",
        });
        PayoutStore.PublishFact(context, payout, PrizeTransferReversed.MessageIdFor(payout.PayoutId, total),
            new PrizeTransferReversed(payout.PayoutId, payout.ContestId, payout.PlayerId, transfer.Id,
                delta, total, payout.Currency,
                clawback is not null ? PrizeTransferReversed.ClawbackReasonPrefix + clawback : what, now));
        if (withholding) LostEntryFees.PublishWithheld(context, payout, total, clawback!);
        if (clawback is null)
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "transfer_reversed", payout.PayoutId,
                $"{what}: {transfer.Id} for payout {payout.PayoutId} ({total} of {transfer.AmountMinor} " +
                $"{payout.Currency} back); " +
                "the prize is owed again: " +
                $"reject it to withhold it (cpctl payouts reject {payout.PayoutId})", $"{transfer.Id}:{total}");
        return $"read: reversed {delta}";
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
        await PayoutStore.SaveAsync(context, payout, payout with
        {
            State = PayoutState.Quarantined, Hold = null, Reason = reason, TransferId = transfer.Id,
            LeaseUntil = null,
        });
        PayoutStore.PublishFact(context, payout, PrizeTransferQuarantined.MessageIdFor(payout.PayoutId),
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
