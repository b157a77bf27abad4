using Balance = Stripe.Balance;
using System.Globalization;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts;
using ContestPipeline.Operations.Extensions;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using ContestPipeline.Operations.Queries.Domain;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Operations.Jobs;

/// <summary>
/// The balance monitor: every snapshot interval, the platform's Stripe balance (read between
/// transactions, by the core's claim → call → record: <see cref="ClaimedCalls"/>) against what it
/// owes (prizes and refunds not yet paid), kept as a snapshot; crossing into warning, critical or
/// depleted raises an alert (which pages the operators when critical).
/// </summary>
public sealed class SnapshotBalanceJob(StripeApi stripe, OperationsOptions options, CrashPoints crash,
    ILogger<SnapshotBalanceJob> logger) : IJob
{
    public string Name => "snapshot-balance";
    public TimeSpan Interval => options.SnapshotInterval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        await ClaimedCalls.RunAsync(job, new ClaimedCall<string, Balance>
        {
            What = "balance snapshot",
            // One read a round and nothing to claim: a read moves no money, so a second instance reading too is
            // harmless.
            ClaimAsync = _ => Task.FromResult<IReadOnlyList<string>>([Name]),
            IdOf = name => name,
            CallAsync = (_, token) =>
                stripe.ReadAsync("GET /v1/balance", (s, o, t) => s.V1.Balance.GetAsync(o, t), token),
            RecordAsync = (context, _, balance) => RecordAsync(context, balance),
            Lease = options.SnapshotInterval,
            RenewAsync = (_, _, _) => Task.FromResult(0),
        }, crash, logger, ct);
        return false;
    }

    private async Task RecordAsync(TransactionContext context, Balance balance)
    {
        var code = options.Currency.ToLowerInvariant();
        var available = balance.AvailableIn(code);
        var pending = balance.PendingIn(code);
        var now = context.Clock.GetUtcNow();
        var owed = await Obligations.OwedAsync(context, options.Currency);
        var status = BalanceStatus.Of(available, owed, options);
        var readings = await Obligations.ReadingsSinceAsync(context, now - options.TrendWindow);
        var trend = BalanceTrend.Of([.. readings, new BalanceReading(now, available)], now, options);
        var last = await Obligations.LastAsync(context);
        var snapshot = new BalanceSnapshot(available, pending, owed, BalanceStatus.Reserve(owed), status,
            trend?.ChangePerDayMinor, trend?.DaysToEmpty);
        await Obligations.SnapshotAsync(context, now, options.Currency, snapshot);
        var stamp = now.ToString("yyyyMMddTHHmmss", CultureInfo.InvariantCulture);
        if (status != (last?.Status ?? BalanceStatus.Healthy) && BalanceStatus.Rank(status) > 0)
            context.RaiseAlert(OperationsWorker.Name, Severity(status), "balance_" + status, "platform balance",
                LevelMessage(snapshot), stamp);
        var runsOut = trend?.RunsOutLevel(options);
        var lastRunsOut = BalanceTrend.RunsOutLevel(last?.DaysToEmpty, options);
        if (runsOut is not null && runsOut != lastRunsOut)
            context.RaiseAlert(OperationsWorker.Name, Severity(runsOut), "balance_runs_out", "platform balance",
                RunsOutMessage(snapshot, trend!), stamp);
    }

    private static string Severity(string level) => BalanceStatus.Rank(level) >= 2 ? AlertSeverities.Critical
        : AlertSeverities.Warning;

    private string LevelMessage(BalanceSnapshot s) =>
        $"platform balance {s.Status}: available {Money.Format(s.Available, options.Currency)} (pending " +
        $"{Money.Format(s.Pending, options.Currency)}) against obligations " +
        $"{Money.Format(s.Obligations, options.Currency)} and a reserve of " +
        $"{Money.Format(s.Reserve, options.Currency)}; top up the platform's Stripe balance or hold non-urgent payouts";

    private string RunsOutMessage(BalanceSnapshot s, BalanceTrend trend) =>
        $"platform balance runs out in {trend.DaysToEmpty} days at this rate: available " +
        $"{Money.Format(s.Available, options.Currency)}, falling " +
        $"{Money.Format(-trend.ChangePerDayMinor, options.Currency)} a day over the last {trend.Span.TotalHours:0} " +
        $"hours ({trend.Readings} snapshots); top up the platform's Stripe balance before then";
}
