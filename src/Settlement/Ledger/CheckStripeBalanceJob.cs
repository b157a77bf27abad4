using Balance = Stripe.Balance;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Settlement.Ledger;

/// <summary>
/// The ledger's Stripe balance against Stripe's own (available + pending), per currency, every
/// check interval; each check is kept. Money is always in flight somewhere (a payment Stripe
/// took that is not an entry yet, a transfer made whose event is on its way), so a single
/// difference proves nothing: a drift is reported when two checks an interval apart read the
/// same ledger and the same Stripe balance and still disagree. Less on Stripe than booked is
/// critical (money the ledger counts on is gone); more is a warning (money the ledger does not
/// know of: payments not entered yet, which the reconciliation refunds, or money moved in from
/// outside the pipeline). A reading Stripe does not answer is tried at the next check.
/// </summary>
public sealed class CheckStripeBalanceJob(StripeApi stripe, SettlementOptions options,
    ILogger<CheckStripeBalanceJob> logger) : IJob
{
    public string Name => "check-stripe-balance";
    public TimeSpan Interval => options.BalanceCheckInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        // The ledger first: what moves between the two readings shows as a drift once, and the
        // next check, finding the ledger or Stripe moved, does not report it.
        var ledger = await job.InTransactionAsync("read the ledger's Stripe balance",
            BalanceCheckStore.LedgerAsync, ct);
        Balance balance;
        try
        {
            balance = await stripe.ReadAsync("GET /v1/balance", (s, o, t) => s.V1.Balance.GetAsync(o, t), ct);
        }
        catch (StripeFailure e)
        {
            logger.LogWarning("The Stripe balance could not be read; the ledger is checked against it at the next " +
                "check: {Error}", e.Message);
            return false;
        }
        var readings = ledger.ToDictionary(r => r.Currency, StringComparer.Ordinal);
        foreach (var currency in balance.Currencies().Select(c => c.ToUpperInvariant()).Distinct())
            readings.TryAdd(currency, new BalanceCheckStore.LedgerReading(currency, 0, 0));
        await job.InTransactionAsync(Name, async context =>
        {
            foreach (var reading in readings.Values.OrderBy(r => r.Currency, StringComparer.Ordinal))
            {
                var code = reading.Currency.ToLowerInvariant();
                var onStripe = balance.AvailableIn(code) + balance.PendingIn(code);
                var check = new BalanceCheckStore.Check(reading.Currency, reading.BalanceMinor, reading.Postings,
                    onStripe, onStripe - reading.BalanceMinor);
                var last = await BalanceCheckStore.LastAsync(context, reading.Currency);
                await BalanceCheckStore.RecordAsync(context, check);
                if (check.DriftMinor == 0 || last is null || last.LedgerPostings != check.LedgerPostings
                    || last.LedgerMinor != check.LedgerMinor || last.StripeMinor != check.StripeMinor)
                    continue;
                Report(context, check);
            }
            return true;
        }, ct);
        return false;
    }

    private static void Report(TransactionContext context, BalanceCheckStore.Check c)
    {
        var figures = $"the ledger's Stripe balance is {c.LedgerMinor} {c.Currency} ({c.LedgerPostings} postings), " +
            $"Stripe's {c.StripeMinor}, " +
            "unchanged since the last check";
        var (severity, message) = c.DriftMinor < 0
            ? (AlertSeverities.Critical, $"Stripe holds {-c.DriftMinor} {c.Currency} less than the ledger books: " +
                $"{figures}. Money the ledger counts on is not on Stripe: " +
                "find the movement made outside the pipeline (a refund or transfer from the dashboard, a dispute's " +
                "withdrawal, Stripe's fees) before paying more")
            : (AlertSeverities.Warning, $"Stripe holds {c.DriftMinor} {c.Currency} more than the ledger books: " +
                $"{figures}. Payments Stripe took that the ledger has not " +
                "booked (paid and not entered: the reconciliation refunds those after its grace), or money " +
                "added outside the pipeline");
        context.RaiseAlert(SettlementWorker.Name, severity, "stripe_balance_drift",
            $"Stripe balance {c.Currency}", message, $"{c.Currency}:{c.DriftMinor}:{c.LedgerPostings}");
    }
}
