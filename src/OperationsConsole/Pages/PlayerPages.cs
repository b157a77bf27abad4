using System.Globalization;
using System.Text;
using ContestPipeline.OperationsConsole.Pages;
using ContestPipeline.OperationsConsole.Rendering;
using ContestPipeline.Operations.Queries.Payouts;
using ContestPipeline.Operations.Queries.Players;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static ContestPipeline.OperationsConsole.Rendering.Html;

namespace ContestPipeline.OperationsConsole.Pages;

/// <summary>
/// Players: earnings (won, fees withheld, paid, pending) per contest and per year, payout history, responsible-gaming
/// limits (<see cref="PlayerLimitsSection"/>); the tax year view and its CSV.
/// </summary>
public static class PlayerPages
{
    public static void Map(RouteGroupBuilder app)
    {
        app.MapGet("/players", async (HttpContext c, Ui ui, PlayerReadStore q, string? search, int? page) =>
        {
            var p = Math.Max(0, page ?? 0);
            var rows = await q.PlayersAsync(ContestPages.Blank(search), p);
            return ui.Page(c, "Players", "<form method=\"get\" class=\"filters\">Player <input name=\"search\" " +
                $"value=\"{Encode(search)}\"> <button>Find</button></form>" +
                Table(["Player", "Entries", "Payouts"], rows.Select(r => new[]
                {
                    Link("/players/" + Url(r.PlayerId), r.PlayerId), Number(r.Entries), Number(r.Payouts),
                }), "players") +
                ContestPages.Pager(c, p, rows.Count));
        });

        app.MapGet("/players/{id}", (HttpContext c, Ui ui, PlayerReadStore q, PayoutReadStore payoutStore,
            PlayerLimitReadStore limits, Decisions d, string id) =>
            PlayerPageAsync(c, ui, q, payoutStore, limits, d.Now, id));
        PlayerLimitsSection.Map(app);

        app.MapGet("/tax", async (HttpContext c, Ui ui, PlayerReadStore q, ConsoleOptions o, Decisions d, int? year) =>
        {
            var y = year ?? d.Now.Year;
            var rows = await q.TaxYearAsync(y);
            var body = $"""
                <form method="get" class="filters">Year <input name="year" size="5" value="{y}"> <button>Show</button>
                <a href="/tax.csv?year={y}" id="tax-csv">Download CSV</a></form>
                <p class="muted">Prizes paid in {y} (UTC) per recipient; flagged at or above the reporting threshold of
                {Amount(o.TaxReportingThresholdMinor, o.Currency)}.</p>
                {Table(["Player", "Paid in year", "Fees withheld", "Payouts", "Reportable"], rows.Select(r => new[]
                {
                    Link("/players/" + Url(r.PlayerId), r.PlayerId), Amount(r.PaidMinor, r.Currency),
                    Amount(r.FeesMinor, r.Currency), Number(r.Payouts),
                    TaxReporting.Reportable(r.PaidMinor, o.TaxReportingThresholdMinor)
                        ? Badge("reportable", "warning") : "",
                }), "tax")}
                """;
            return ui.Page(c, $"Tax year {y}", body);
        });

        app.MapGet("/tax.csv", async (HttpContext c, PlayerReadStore q, ConsoleOptions o, Decisions d, int? year) =>
        {
            var y = year ?? d.Now.Year;
            var rows = await q.TaxYearAsync(y);
            var csv = TaxReporting.Csv(y, rows, o.TaxReportingThresholdMinor);
            await d.AuditAsync(c, Guid.NewGuid().ToString("N"), "tax-export", y.ToString(CultureInfo.InvariantCulture),
                "", $"{rows.Count} recipients", c.RequestAborted);
            return Results.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv", $"tax-year-{y}.csv");
        });
    }

    /// <summary>One player's earnings per contest and per calendar year, their payouts, and their limits.</summary>
    private static async Task<IResult> PlayerPageAsync(HttpContext c, Ui ui, PlayerReadStore q,
        PayoutReadStore payoutStore, PlayerLimitReadStore limits, DateTimeOffset now, string id)
    {
        var earnings = await q.EarningsAsync(id);
        var payouts = await payoutStore.PayoutsAsync(null, null, null, id, 0);
        var years = earnings.GroupBy(e => (e.Year, e.Currency)).OrderBy(g => g.Key.Year);
        var body = $"""
            <h2>Earnings per contest</h2>{Table(["Contest", "Won", "Fees withheld", "Paid", "Pending"],
                earnings.Select(e => new[]
            {
                Link("/contests/" + Url(e.ContestId), e.ContestId), Amount(e.WonMinor, e.Currency),
                Amount(e.FeesMinor, e.Currency), Amount(e.PaidMinor, e.Currency),
                Amount(e.PendingMinor, e.Currency),
            }), "earnings")}
            <h2>Per calendar year (by when paid)</h2>{Table(["Year", "Won", "Fees withheld", "Paid", "Pending"],
                years.Select(g => new[]
            {
                g.Key.Year?.ToString(CultureInfo.InvariantCulture) ?? "not yet paid",
                Amount(g.Sum(e => e.WonMinor), g.Key.Currency), Amount(g.Sum(e => e.FeesMinor), g.Key.Currency),
                Amount(g.Sum(e => e.PaidMinor), g.Key.Currency), Amount(g.Sum(e => e.PendingMinor), g.Key.Currency),
            }), "earnings-by-year")}
            <h2>Payouts</h2>{Table(["Payout", "Contest", "Kind", "Net", "State", "Paid"], payouts.Select(p => new[]
            {
                Link("/payouts/" + Url(p.PayoutId), p.PayoutId), Encode(p.ContestId), Encode(p.Kind),
                Amount(p.NetMinor, p.Currency), Badge(p.State), Time(p.PaidAt),
            }), "player-payouts")}
            {await PlayerLimitsSection.RenderAsync(c, ui, limits, now, id)}
            """;
        return ui.Page(c, $"Player {id}", body);
    }

    /// <summary>A CSV field, quoted when it must be, and never read as a formula by a spreadsheet.</summary>
    public static string Csv(string value) => TaxReporting.CsvField(value);
}
