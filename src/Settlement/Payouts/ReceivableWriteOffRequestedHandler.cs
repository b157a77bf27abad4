using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Ledger;
using ContestPipeline.Settlement.Ledger;

namespace ContestPipeline.Settlement.Payouts;

/// <summary>
/// An operator's request to write off what a winner owes back on a payout taken back short. The two-person rule is
/// checked here, where it is booked: the request must name the payout's contest, winner and currency, and all that is
/// still owed; it counts for <see cref="SettlementOptions.ApprovalLifetime"/> from when it was signed. Once two
/// different operators' live requests agree on the amount, the receivable is written off once, as a loss
/// (<see cref="Accounts.BadDebt"/>), and the winner owes nothing more on it; until then the request waits, announced
/// as an alert.
/// </summary>
public sealed class ReceivableWriteOffRequestedHandler(SettlementOptions options)
    : MessageHandler<ReceivableWriteOffRequested>
{
    public override async Task HandleAsync(ReceivableWriteOffRequested request, HandlerContext context,
        CancellationToken ct)
    {
        var subject = $"write-off of payout {request.PayoutId} by {request.Operator}";
        var (now, lifetime) = (context.Clock.GetUtcNow(), options.ApprovalLifetime);
        if (DecisionAge.Refusal(request.RequestedAt, now, lifetime) is { } old)
            throw new MessageRejectedException($"{subject}: {old}");
        var payout = await PayoutStore.PayoutForUpdateAsync(context, ReceivableWriteOffRequested.MessageType,
            request.PayoutId);
        Recorded.RejectIfDifferent(subject, ("contestId", request.ContestId, "contest", payout.ContestId),
            ("playerId", request.PlayerId, "winner", payout.PlayerId),
            ("currency", request.Currency, "currency ordered", payout.Currency));
        if (payout.OwedMinor == 0 && payout.WrittenOffMinor > 0) return;
        if (request.AmountMinor != payout.OwedMinor || payout.OwedMinor == 0)
            throw new MessageRejectedException($"{subject}: amountMinor {request.AmountMinor} is not what " +
                $"{payout.PlayerId} owes back on it ({payout.OwedMinor}); a write-off is of all that is owed");

        var amount = payout.Amount(request.AmountMinor);
        await WriteOffStore.RecordAsync(context, request, DecisionAge.CountsFrom(request.RequestedAt, now));
        var agreeing = await WriteOffStore.AgreeingAsync(context, request.PayoutId, request.AmountMinor,
            now - lifetime);
        if (agreeing.Count < TwoOperators.Needed)
        {
            context.RaiseAlert(SettlementWorker.Name, AlertSeverities.Warning, "write_off_awaits_second_operator",
                $"payout {request.PayoutId}",
                $"{request.Operator} asks to write off the {amount} {payout.PlayerId} owes back on payout " +
                $"{request.PayoutId} ({request.Reason}); a second, different operator must ask for the same amount " +
                $"within {DecisionAge.Describe(lifetime)} (by {DecisionAge.Stamp(request.RequestedAt + lifetime)})",
                $"{request.PayoutId}:{request.Operator}:{request.RequestedAt.ToUnixTimeMilliseconds()}");
            return;
        }
        var by = string.Join(" and ", agreeing);
        await JournalStore.PostAsync(context, new JournalEntry($"write-off:{request.PayoutId}", payout.ContestId,
            "receivable_written_off",
            $"the {amount} {payout.PlayerId} owes back on payout {request.PayoutId} written off by {by} " +
            $"({request.Reason})",
            [Posting.Debit(Accounts.BadDebt, amount), Posting.Credit(Accounts.ClawbackReceivable(payout.PlayerId),
                amount)]));
        await PayoutStore.WriteOffReceivableAsync(context, request.PayoutId, request.AmountMinor);
        context.RaiseAlert(SettlementWorker.Name, AlertSeverities.Info, "receivable_written_off",
            $"payout {request.PayoutId}",
            $"the {amount} {payout.PlayerId} owes back on payout {request.PayoutId} is written off as a loss by " +
            $"{by} ({request.Reason}); money that comes back of the transfer later recovers it", request.PayoutId);
    }
}
