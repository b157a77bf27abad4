using StripeBalance = Stripe.Balance;
using System.Globalization;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using ContestPipeline.Operations.Queries.Balance;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Operations.Balance;

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

    /// <summary>The levels and trend each snapshot is judged by, as the console and cpctl show them.</summary>
    private BalanceMonitorOptions Levels => options.BalanceMonitor;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        await ClaimedCalls.RunAsync(job, new ClaimedCall<string, StripeBalance>
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

    private async Task RecordAsync(TransactionContext context, StripeBalance balance)
    {
        var code = Levels.Currency.ToLowerInvariant();
        var available = balance.AvailableIn(code);
        var pending = balance.PendingIn(code);
        var now = context.Clock.GetUtcNow();
        var owed = await BalanceStore.OwedAsync(context, Levels.Currency);
        var status = BalanceStatus.Of(available, owed, Levels);
        var readings = await BalanceStore.ReadingsSinceAsync(context, now - Levels.TrendWindow);
        var trend = BalanceTrend.Of([.. readings, new BalanceReading(now, available)], now, Levels);
        var last = await BalanceStore.LastAsync(context);
        var snapshot = new BalanceSnapshot(available, pending, owed, BalanceStatus.Reserve(owed), status,
            trend?.ChangePerDayMinor, trend?.DaysToEmpty);
        await BalanceStore.SnapshotAsync(context, now, Levels.Currency, snapshot);
        var stamp = now.ToString("yyyyMMddTHHmmss", CultureInfo.InvariantCulture);
        if (status != (last?.Status ?? BalanceStatus.Healthy) && BalanceStatus.Rank(status) > 0)
            context.RaiseAlert(OperationsWorker.Name, Severity(status), "balance_" + status, "platform balance",
                LevelMessage(snapshot), stamp);
        var runsOut = trend?.RunsOutLevel(Levels);
        var lastRunsOut = BalanceTrend.RunsOutLevel(last?.DaysToEmpty, Levels);
        if (runsOut is not null && runsOut != lastRunsOut)
            context.RaiseAlert(OperationsWorker.Name, Severity(runsOut), "balance_runs_out", "platform balance",
                RunsOutMessage(snapshot, trend!), stamp);
        // A steep fall is told once as it starts, however much is left (runs-out alerts wait for the last days).
        if (Declining(trend?.ChangePerDayMinor) && !Declining(last?.ChangePerDay))
            context.RaiseAlert(OperationsWorker.Name, AlertSeverities.Warning, "balance_declining", "platform balance",
                DecliningMessage(snapshot, trend!), stamp);
    }

    private bool Declining(long? changePerDay) => changePerDay < -Levels.DecliningAlertMinorPerDay;

    private string DecliningMessage(BalanceSnapshot s, BalanceTrend trend) =>
        $"platform balance falling {Money.Format(-trend.ChangePerDayMinor, Levels.Currency)} a day over the last " +
        $"{trend.Span.TotalHours:0} hours ({trend.Readings} snapshots), more than " +
        $"{Money.Format(Levels.DecliningAlertMinorPerDay, Levels.Currency)} a day: available " +
        $"{Money.Format(s.Available, Levels.Currency)}; find what is drawing it down (cpctl balance) and plan a top-up";

    private static string Severity(string level) => BalanceStatus.Rank(level) >= 2 ? AlertSeverities.Critical
        : AlertSeverities.Warning;

    private string LevelMessage(BalanceSnapshot s) =>
        $"platform balance {s.Status}: available {Money.Format(s.Available, Levels.Currency)} (pending " +
        $"{Money.Format(s.Pending, Levels.Currency)}) against obligations " +
        $"{Money.Format(s.Obligations, Levels.Currency)} and a reserve of " +
        $"{Money.Format(s.Reserve, Levels.Currency)}; top up the platform's Stripe balance or hold non-urgent payouts";

    private string RunsOutMessage(BalanceSnapshot s, BalanceTrend trend) =>
        $"platform balance runs out in {trend.DaysToEmpty} days at this rate: available " +
        $"{Money.Format(s.Available, Levels.Currency)}, falling " +
        $"{Money.Format(-trend.ChangePerDayMinor, Levels.Currency)} a day over the last {trend.Span.TotalHours:0} " +
        $"hours ({trend.Readings} snapshots); top up the platform's Stripe balance before then";
}
