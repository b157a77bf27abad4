using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// Connected accounts' payouts to their banks: the winners' own money leaving Stripe, made by test control and read
/// over /v1 with the account's Stripe-Account header.
/// </summary>
internal sealed class Payouts(EmulatorCore core, Accounts accounts)
{
    private static readonly Listing<Payout> Listed =
        new("/v1/payouts", "payout", p => p.Id, p => p.Created, p => p.ToJson());

    private readonly Dictionary<string, Payout> _byId = new(StringComparer.Ordinal);
    private readonly List<Payout> _all = [];

    public bool TryFind(string id, out Payout payout) => _byId.TryGetValue(id, out payout!);

    /// <summary>
    /// GET /v1/payouts: the connected account's (Stripe-Account), newest first, of one status if asked. The
    /// platform's own bank payouts are not emulated: without the header the list is empty.
    /// </summary>
    public JsonObject List(ApiCall call)
    {
        var p = call.Params.ExpectList("status");
        var status = p.Text("status");
        return Listed.Page(_all, p, o => o.Account.Id == call.Account && (status is null || o.Status == status));
    }

    /// <summary>GET /v1/payouts/{id}: only on the account it was made on.</summary>
    public JsonObject Get(string id, ApiCall call)
    {
        call.Params.Expect();
        return _byId.TryGetValue(id, out var payout) && payout.Account.Id == call.Account ? payout.ToJson()
            : throw ApiError.Missing("payout", id);
    }

    /// <summary>
    /// A bank payout of a connected account, with its event on that account (payout.paid or payout.failed): paid
    /// takes the money out of the account's balance, failed (with a failure code) leaves it there. Null
    /// <paramref name="amount"/> pays out all the account holds in the currency. An account whose payouts Stripe
    /// disabled pays out nothing.
    /// </summary>
    public string Create(string accountId, long? amount, string currency, string? failureCode)
    {
        currency = ObjectLookup.Currency(currency);
        var failureMessage = failureCode is null ? null : FailureCodes.Message(failureCode);
        lock (core.Gate)
        {
            var account = accounts.Control(accountId);
            if (!account.PayoutsEnabled)
                throw new InvalidOperationException($"payouts of account {account.Id} are disabled");
            var available = account.Balance.AvailableIn(currency);
            var paid = amount ?? available;
            ArgumentOutOfRangeException.ThrowIfLessThan(paid, 1, nameof(amount));
            if (failureCode is null)
            {
                if (available < paid)
                    throw new InvalidOperationException(
                        $"account {account.Id} holds {available} {currency}, less than {paid}");
                account.Balance.Add(account.Balance.Available, currency, -paid);
            }
            var payout = new Payout
            {
                Id = core.Ids.New("po_"), Account = account, Amount = paid, Currency = currency,
                Created = core.Clock.Now, FailureCode = failureCode, FailureMessage = failureMessage,
            };
            _byId.Add(payout.Id, payout);
            _all.Add(payout);
            core.Events.Emit(failureCode is null ? "payout.paid" : "payout.failed", payout.ToJson(), account.Id,
                null, null);
            return payout.Id;
        }
    }
}
