using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.Handlers;

/// <summary>
/// account.updated: events about one account arrive in any order, so the event only asks for
/// the account to be read as it is now; RefreshAccountsJob reads it from Stripe outside any
/// consume transaction and lets the player's waiting payouts go when it can receive.
/// </summary>
public sealed class StripeAccountEvents : IStripeEventFamily
{
    public IReadOnlyCollection<string> Types { get; } = ["account.updated"];

    public async Task<string> HandleAsync(StripeEvent e, HandlerContext context)
    {
        var accountId = StripeEvents.Text(e.Data.Object, "id")!;
        await PayoutStore.RequestAccountRefreshAsync(context, accountId, e.Id);
        return "account read requested";
    }
}
