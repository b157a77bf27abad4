using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// The platform's balance: what payments and top-ups bring in, what transfers, refunds and disputes take.
/// </summary>
internal sealed class Balances(EmulatorCore core, Accounts accounts)
{
    public Balance Platform { get; } = new();

    /// <summary>GET /v1/balance: the platform's, or with Stripe-Account that connected account's own.</summary>
    public JsonObject Get(ApiCall call)
    {
        call.Params.Expect();
        return call.Account is { } account ? accounts.Find(account).Balance.ToJson() : Platform.ToJson();
    }

    public void TopUp(long amount, string currency, bool pending)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(amount, 1);
        currency = ObjectLookup.Currency(currency);
        lock (core.Gate) Platform.Add(pending ? Platform.Pending : Platform.Available, currency, amount);
    }

    /// <summary>Moves every pending amount to available, as Stripe does when funds settle.</summary>
    public void ReleasePending()
    {
        lock (core.Gate)
        {
            foreach (var (currency, amount) in Platform.Pending.ToList())
            {
                Platform.Add(Platform.Available, currency, amount);
                Platform.Pending[currency] = 0;
            }
        }
    }

    public BalanceAmounts PlatformAmounts(string currency)
    {
        currency = ObjectLookup.Currency(currency);
        lock (core.Gate)
            return new BalanceAmounts(Platform.AvailableIn(currency), Platform.Pending.GetValueOrDefault(currency));
    }
}
