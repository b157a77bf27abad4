namespace ContestPipeline.StripeEmulation;

/// <summary>Connected accounts' payouts to their banks: the winners' own money leaving Stripe.</summary>
internal sealed class Payouts(EmulatorCore core, Accounts accounts)
{
    private readonly Dictionary<string, Payout> _byId = new(StringComparer.Ordinal);

    public bool TryFind(string id, out Payout payout) => _byId.TryGetValue(id, out payout!);

    /// <summary>
    /// A bank payout of a connected account, with its event on that account: paid takes the money out of the
    /// account's balance, failed (with a failure code) leaves it there.
    /// </summary>
    public string Create(string accountId, long amount, string currency, string? failureCode)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(amount, 1);
        currency = ObjectLookup.Currency(currency);
        lock (core.Gate)
        {
            var account = accounts.Control(accountId);
            if (failureCode is null)
            {
                var available = account.Balance.AvailableIn(currency);
                if (available < amount)
                    throw new InvalidOperationException(
                        $"account {account.Id} holds {available} {currency}, less than {amount}");
                account.Balance.Add(account.Balance.Available, currency, -amount);
            }
            var payout = new Payout
            {
                Id = core.Ids.New("po_"), Account = account, Amount = amount, Currency = currency,
                Created = core.Clock.Now, FailureCode = failureCode,
            };
            _byId.Add(payout.Id, payout);
            core.Events.Emit(failureCode is null ? "payout.paid" : "payout.failed", payout.ToJson(), account.Id,
                null, null);
            return payout.Id;
        }
    }
}
