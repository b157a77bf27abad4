using Event = Stripe.Event;
using ContestPipeline.Payout.StripeEvents;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.Recipients;

/// <summary>
/// account.updated: events about one account arrive in any order, so the event only asks for
/// the account to be read as it is now; <see cref="RefreshAccountsJob"/> reads it from
/// Stripe outside any consume transaction and lets the player's waiting payouts go when it can
/// receive.
/// </summary>
public sealed class AccountEvents : IStripeEventFamily
{
    public IReadOnlyCollection<string> Types { get; } = ["account.updated"];

    public async Task<string> ApplyAsync(Event stripeEvent, HandlerContext context)
    {
        await ReadRequestStore.Accounts.RequestAsync(context, StripeEventReader.ObjectId(stripeEvent)!, stripeEvent.Id);
        return "account read requested";
    }
}
