using ContestPipeline.OperationsConsole.Pages;
using ContestPipeline.OperationsConsole.Rendering;
using ContestPipeline.Operations.Queries.Balance;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static ContestPipeline.OperationsConsole.Rendering.Html;

namespace ContestPipeline.OperationsConsole.Pages;

/// <summary>
/// The balance monitor: the platform's available and pending Stripe balance against obligations
/// (payables and refunds in flight), the 1.2× reserve, the thresholds, and the snapshots' trend.
/// </summary>
public static class BalancePage
{
    public static void Map(RouteGroupBuilder app) => app.MapGet("/balance", async (HttpContext c, Ui ui,
        BalanceReadStore q, ConsoleOptions o) =>
    {
        var snapshots = await q.SnapshotsAsync(168);
        var last = snapshots.LastOrDefault();
        var obligations = await q.ObligationsAsync(o.Currency);
        var reserve = BalanceStatus.Reserve(obligations);
        var levels = BalanceMonitorOptions.Read(null);
        var now = last is null
            ? "<p class=\"muted\">No snapshot yet: the operations worker takes one at start and every snapshot "
                + "interval.</p>"
            : Table(["", ""],
            [
                ["Status", Badge(last.Status)], ["Available", Amount(last.AvailableMinor, last.Currency)],
                ["Pending", Amount(last.PendingMinor, last.Currency)],
                ["Obligations at the snapshot", Amount(last.ObligationsMinor, last.Currency)],
                ["Reserve (1.2 × obligations)", Amount(last.ReserveMinor, last.Currency)],
                ["Available after the reserve", Amount(last.AvailableMinor - last.ReserveMinor, last.Currency)],
                ["Trend", Trend(last)], ["Taken", Time(last.TakenAt)],
            ], "balance-now");
        var chart = LineChart([.. snapshots.Select(s => (s.TakenAt, s.AvailableMinor))],
            [("reserve", reserve, "#6b4d00"), ("healthy", levels.HealthyFromMinor, "#2e7d32"),
             ("warning", levels.WarningBelowMinor, "#b58900"), ("critical", levels.CriticalBelowMinor, "#c0392b")],
            o.Currency);
        var body = $"""
            {now}
            <p>Obligations now: {Amount(obligations, o.Currency)} (prizes ordered and not paid or rejected, refunds
            ordered and not made); reserve {Amount(reserve, o.Currency)}.
            Levels: depleted at or below zero; critical below {Amount(levels.CriticalBelowMinor, o.Currency)} or 50 %
            of the reserve; warning below {Amount(levels.WarningBelowMinor, o.Currency)} or 80 % of the reserve;
            healthy from {Amount(levels.HealthyFromMinor, o.Currency)} and 100 % of the reserve;
            low in between. Entering warning or worse raises an alert (critical ones page the operators), and so does
            a trend that empties the balance within {levels.RunsOutWarningDays} days.</p>
            <h2>Available balance, last {snapshots.Count} snapshots</h2>{chart}
            <h2>Snapshots</h2>{Table(["Taken", "Available", "Pending", "Obligations", "Reserve", "Status", "Trend"],
                snapshots.AsEnumerable().Reverse().Take(48).Select(s => new[]
                {
                    Time(s.TakenAt), Amount(s.AvailableMinor, s.Currency), Amount(s.PendingMinor, s.Currency),
                    Amount(s.ObligationsMinor, s.Currency), Amount(s.ReserveMinor, s.Currency), Badge(s.Status),
                    Trend(s),
                }), "snapshots")}
            """;
        return ui.Page(c, "Balance monitor", body);
    });

    /// <summary>"falling 1,234.00 a day: empty in 6 days", or why there is no trend yet.</summary>
    private static string Trend(SnapshotRow s) => s.ChangePerDayMinor switch
    {
        null => "<span class=\"muted\">not enough snapshots yet</span>",
        < 0 and var d => $"falling {Amount(-d, s.Currency)} a day"
            + (s.DaysToEmpty is { } days ? $": empty in {Number(days)} days" : ""),
        var d => $"rising {Amount(d.Value, s.Currency)} a day",
    };
}
