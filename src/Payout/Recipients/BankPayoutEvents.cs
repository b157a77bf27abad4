using Event = Stripe.Event;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Payout.StripeEvents;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.Recipients;

/// <summary>
/// payout.paid / payout.failed: a winner's bank payout from their connected account. A failed
/// one is theirs to fix (told to an operator), not a failed prize: the prize's transfer stands. Either asks for the
/// account to be read again for the winner's statement (<see cref="ReadRecipientBalancesJob"/>).
/// </summary>
public sealed class BankPayoutEvents : IStripeEventFamily
{
    public IReadOnlyCollection<string> Types { get; } = ["payout.paid", "payout.failed"];

    public async Task<string> ApplyAsync(Event stripeEvent, HandlerContext context)
    {
        var bankPayout = StripeEventReader.Object<global::Stripe.Payout>(stripeEvent);
        var id = bankPayout.Id;
        var account = stripeEvent.Account ?? "";
        var status = stripeEvent.Type == "payout.paid" ? BankPayoutStatus.Paid : BankPayoutStatus.Failed;
        var failureCode = bankPayout.FailureCode;
        await BankPayoutStore.UpsertAsync(context, id, account, bankPayout.Amount,
            bankPayout.Currency ?? "", status, failureCode);
        var player = await RecipientStore.PlayerOfAccountAsync(context, account);
        // The winner's statement shows the account's bank payouts and balance as Stripe has them after this one.
        if (player is not null) await BalanceReadStore.RequestAsync(context, account, player);
        if (status == BankPayoutStatus.Failed)
        {
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Warning, "bank_payout_failed", account,
                $"bank payout {id} from {account} (player {player ?? "unknown"}) failed ({failureCode}): " +
                "tell the winner to fix their bank details; the prize itself is paid", id);
        }
        return "bank payout " + BankPayoutStore.StatusName(status);
    }
}
