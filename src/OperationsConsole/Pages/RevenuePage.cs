using System.Globalization;
using System.Text;
using ContestPipeline.Operations.Queries.Revenue;
using ContestPipeline.OperationsConsole.Rendering;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using static ContestPipeline.OperationsConsole.Rendering.Html;

namespace ContestPipeline.OperationsConsole.Pages;

/// <summary>
/// The platform's revenue from the ledger, as cpctl revenue reports it (<see cref="RevenueReport"/>): rake, platform
/// fees, house take, withheld prizes, overlay, dispute costs, processing fees and net by UTC day, month or contest,
/// their totals, the reconciliation of the whole book against the ledger's accounts, and the same as CSV (the download
/// audited).
/// </summary>
public static class RevenuePage
{
    public static void Map(RouteGroupBuilder app)
    {
        app.MapGet("/revenue", async (HttpContext c, Ui ui, NpgsqlDataSource db, string? by, string? from,
            string? to) =>
        {
            if (Query(by, from, to) is not { } q) return Results.BadRequest("by is day, month or contest; from and "
                + "to are days (yyyy-MM-dd)");
            var (lines, totals, problems) = await ReadAsync(db, q);
            var reconciled = problems is null
                ? "<p class=\"muted\">A window of days is not reconciled: clear from and to for the whole book.</p>"
                : problems.Count == 0
                    ? "<p id=\"reconciled\">Reconciled: the totals are the ledger's revenue and cost accounts' " +
                      "balances.</p>"
                    : "<p id=\"reconciled\" class=\"danger\">Not reconciled: " +
                      $"{Encode(string.Join("; ", problems))}</p>";
            var csv = $"/revenue.csv?by={q.By.ToString().ToLowerInvariant()}&from={Url(from ?? "")}&to={Url(to ?? "")}";
            var body = $"""
                <form method="get" class="filters">By <select name="by">{Options(q.By)}</select>
                From <input name="from" size="10" value="{Encode(from)}"> To <input name="to" size="10"
                value="{Encode(to)}"> <button>Show</button> <a href="{Encode(csv)}" id="revenue-csv">Download CSV</a>
                </form>
                {Table([q.By.ToString(), "Rake", "Platform fees", "House take", "Withheld prizes", "Overlay",
                    "Disputes", "Processing fees", "Net", "Sponsors funded"],
                    lines.Concat(totals).Select(Row), "revenue")}
                {reconciled}
                """;
            return ui.Page(c, "Revenue", body);
        });

        app.MapGet("/revenue.csv", async (HttpContext c, NpgsqlDataSource db, Decisions d, string? by, string? from,
            string? to) =>
        {
            if (Query(by, from, to) is not { } q) return Results.BadRequest("by is day, month or contest");
            var (lines, totals, _) = await ReadAsync(db, q);
            await d.AuditAsync(c, Guid.NewGuid().ToString("N"), "revenue-export", q.By.ToString().ToLowerInvariant(),
                "", $"{lines.Count} lines", c.RequestAborted);
            return Results.File(Encoding.UTF8.GetBytes(RevenueReport.Csv([.. lines, .. totals], q.By)), "text/csv",
                $"revenue-by-{q.By.ToString().ToLowerInvariant()}.csv");
        });
    }

    private sealed record RevenueQuery(RevenueGrouping By, DateOnly? From, DateOnly? To);

    private static RevenueQuery? Query(string? by, string? from, string? to)
    {
        var grouping = RevenueGrouping.Day;
        if (!string.IsNullOrEmpty(by) && !Enum.TryParse(by, ignoreCase: true, out grouping)) return null;
        DateOnly? Day(string? s) => DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture,
            DateTimeStyles.None, out var d) ? d : null;
        if ((!string.IsNullOrEmpty(from) && Day(from) is null) || (!string.IsNullOrEmpty(to) && Day(to) is null))
            return null;
        return new RevenueQuery(grouping, Day(from), Day(to));
    }

    /// <summary>The lines, their totals, and over the whole book what does not reconcile (null for a window).</summary>
    private static async Task<(IReadOnlyList<RevenueLine> Lines, IReadOnlyList<RevenueLine> Totals,
        IReadOnlyList<string>? Problems)> ReadAsync(NpgsqlDataSource db, RevenueQuery q)
    {
        await using var conn = await db.OpenConnectionAsync();
        var lines = RevenueReport.Lines(await RevenueStore.PostingsAsync(conn, q.By, Start(q.From),
            Start(q.To?.AddDays(1))));
        var totals = RevenueReport.Totals(lines);
        var problems = q.From is null && q.To is null
            ? RevenueReport.Unreconciled(totals, await RevenueStore.BalancesAsync(conn))
            : null;
        return (lines, totals, problems);
    }

    private static DateTimeOffset? Start(DateOnly? day) =>
        day is { } d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)) : null;

    private static string[] Row(RevenueLine l) =>
    [
        Encode(l.GroupKey), Amount(l.RakeMinor, l.Currency), Amount(l.PlatformFeesMinor, l.Currency),
        Amount(l.HouseTakeMinor, l.Currency), Amount(l.WithheldPrizesMinor, l.Currency),
        Amount(l.OverlayMinor, l.Currency), Amount(l.DisputeCostsMinor, l.Currency),
        Amount(l.ProcessingFeesMinor, l.Currency), Amount(l.NetMinor, l.Currency),
        Amount(l.SponsorSpendMinor, l.Currency),
    ];

    private static string Options(RevenueGrouping chosen) => string.Concat(Enum.GetValues<RevenueGrouping>().Select(g =>
        $"<option value=\"{g.ToString().ToLowerInvariant()}\"{(g == chosen ? " selected" : "")}>" +
        $"{g.ToString().ToLowerInvariant()}</option>"));
}
