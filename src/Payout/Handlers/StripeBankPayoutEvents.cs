using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Payout.Extensions;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.Handlers;

/// <summary>
/// payout.paid / payout.failed: a winner's bank payout from their connected account. A failed
/// one is theirs to fix (told to an operator), not a failed prize: the prize's transfer stands.
/// </summary>
public sealed class StripeBankPayoutEvents : IStripeEventFamily
{
    public IReadOnlyCollection<string> Types { get; } = ["payout.paid", "payout.failed"];

    public async Task<string> HandleAsync(StripeEvent e, HandlerContext context)
    {
        var obj = e.Data.Object;
        var id = StripeEvents.Text(obj, "id")!;
        var account = e.Account ?? "";
        var status = e.Type == "payout.paid" ? "paid" : "failed";
        var failureCode = StripeEvents.Text(obj, "failure_code");
        await PayoutStore.UpsertBankPayoutAsync(context, id, account,
            StripeEvents.Long(obj, "amount") ?? 0L, StripeEvents.Text(obj, "currency") ?? "", status, failureCode);
        if (status == "failed")
        {
            var player = await PayoutStore.PlayerOfAccountAsync(context, account);
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Warning, "bank_payout_failed", account,
                $"bank payout {id} from {account} (player {player ?? "unknown"}) failed ({failureCode}): tell the winner to fix their bank details; the prize itself is paid",
                id);
        }
        return "bank payout " + status;
    }
}
