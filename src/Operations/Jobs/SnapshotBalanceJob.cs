using System.Globalization;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts;
using ContestPipeline.Operations.Extensions;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using ContestPipeline.ReadModel.Domain;

namespace ContestPipeline.Operations.Jobs;

/// <summary>
/// The balance monitor: every snapshot interval, the platform's Stripe balance (read between
/// transactions) against what it owes (prizes and refunds not yet paid), kept as a snapshot;
/// crossing into warning, critical or depleted raises an alert (which pages the operators when
/// critical).
/// </summary>
public sealed class SnapshotBalanceJob(IStripeClient stripe, OperationsOptions options) : IJob
{
    public string Name => "snapshot-balance";
    public TimeSpan Interval => options.SnapshotInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        var balance = await stripe.GetBalanceAsync(ct);
        var code = options.Currency.ToLowerInvariant();
        var available = balance.AvailableIn(code);
        var pending = balance.Pending.Where(b => b.Currency == code).Sum(b => b.Amount);
        await job.InTransactionAsync(Name, async context =>
        {
            var now = context.Clock.GetUtcNow();
            var owed = await Obligations.OwedAsync(context, options.Currency);
            var reserve = BalanceStatus.Reserve(owed);
            var status = BalanceStatus.Of(available, owed, options);
            var last = await Obligations.LastStatusAsync(context) ?? BalanceStatus.Healthy;
            await Obligations.SnapshotAsync(context, now, options.Currency, available, pending, owed, reserve, status);
            if (status != last && BalanceStatus.Rank(status) > 0)
            {
                var severity = BalanceStatus.Rank(status) >= 2 ? AlertSeverities.Critical : AlertSeverities.Warning;
                context.RaiseAlert(OperationsWorker.Name, severity, "balance_" + status, "platform balance",
                    $"platform balance {status}: available {Money.Format(available, options.Currency)} (pending {Money.Format(pending, options.Currency)}) against " +
                    $"obligations {Money.Format(owed, options.Currency)} and a reserve of {Money.Format(reserve, options.Currency)}; " +
                    "top up the platform's Stripe balance or hold non-urgent payouts",
                    now.ToString("yyyyMMddTHHmmss", CultureInfo.InvariantCulture));
            }
            return true;
        }, ct);
        return false;
    }
}
