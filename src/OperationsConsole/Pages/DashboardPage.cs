using ContestPipeline.Contracts.Operations;
using ContestPipeline.OperationsConsole.Pages;
using ContestPipeline.OperationsConsole.Rendering;
using ContestPipeline.Operations.Queries.Alerts;
using ContestPipeline.Operations.Queries.Balance;
using ContestPipeline.Operations.Queries.Contests;
using ContestPipeline.Operations.Queries.Payouts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static ContestPipeline.OperationsConsole.Rendering.Html;

namespace ContestPipeline.OperationsConsole.Pages;

/// <summary>
/// The first page: contests by state, money in flight, open alerts by severity, balance against obligations, and
/// the emergency stop.
/// </summary>
public static class DashboardPage
{
    public static void Map(RouteGroupBuilder app) => app.MapGet("/", async (HttpContext c, Ui ui, ContestReadStore q,
        BalanceReadStore balanceStore, AlertReadStore alertStore, PayoutReadStore payoutStore, ConsoleOptions o,
        Decisions d) =>
    {
        var states = await q.ContestsByStateAsync();
        var now = d.Now;
        var money = await balanceStore.MoneyInFlightAsync(o.Currency,
            new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero));
        var alerts = await alertStore.OpenAlertsBySeverityAsync();
        var snapshot = (await balanceStore.SnapshotsAsync(1)).LastOrDefault();
        var obligations = await balanceStore.ObligationsAsync(o.Currency);
        var dispatch = await payoutStore.DispatchAsync();
        string Card(string label, string value, string? id = null) =>
            $"<div class=\"card\"{(id is null ? "" : $" id=\"{id}\"")}>{Encode(label)}<b>{value}</b></div>";
        var body = $"""
            <h2>Contests by state</h2><div class="cards" id="contests-by-state">{string.Concat(states.Select(s =>
                Card(s.State, $"<a href=\"/contests?state={Url(s.State)}\">{Number(s.Count)}</a>")))}{(states.Count == 0
                ? "<p class=\"muted\">no contests yet</p>" : "")}</div>
            <h2>Money in flight ({Encode(o.Currency)})</h2><div class="cards" id="money">
              {Card("Entry fees collected (contests not yet paid)", Amount(money.Collected, o.Currency))}{Card(
                  "Prize pools settled, not yet paid", Amount(money.Pools, o.Currency))}
              {Card("Payable (prizes not yet paid)", Amount(money.Payable, o.Currency))}{Card(
                  "Paid today (UTC)", Amount(money.PaidToday, o.Currency))}</div>
            <h2>Open alerts</h2><div class="cards" id="open-alerts">{string.Concat(alerts.Select(a => Card(a.Severity,
                $"<a href=\"/alerts?state=open&severity={Url(a.Severity)}\">{Number(a.Count)}</a>")))}{(
                alerts.Count == 0 ? "<p class=\"muted\">none open</p>" : "")}</div>
            <h2>Balance against obligations</h2><div class="cards" id="balance">
              {Card("Available on Stripe",
                  snapshot is null ? "no snapshot yet" : Amount(snapshot.AvailableMinor, snapshot.Currency))}
              {Card("Obligations (payables and refunds in flight)", Amount(obligations, o.Currency))}
              {Card("Status", snapshot is null ? "" : Badge(snapshot.Status))}</div>
            <h2>Automated payouts</h2>{DispatchPanel(c, ui, dispatch)}
            """;
        return ui.Page(c, "Dashboard", body);
    });

    public static string DispatchPanel(HttpContext c, Ui ui, DispatchRow? dispatch)
    {
        var halted = dispatch?.Halted == true;
        var state = halted
            ? $"{Badge("halted")} by {Encode(dispatch!.Operator)} at {Time(dispatch.ChangedAt)}: "
                + $"{Encode(dispatch.Reason)}"
            : Badge("running") + (dispatch?.ChangedAt is null ? ""
                : $" (resumed by {Encode(dispatch.Operator)} at {Time(dispatch.ChangedAt)})");
        var action = !Ui.Can(c, OperatorRoles.Admin)
            ? "<p class=\"muted\">Only an admin can halt or resume automated payouts.</p>"
            : halted
                // The resume names the halt shown here: Payout ends that halt only if it is still the one in force.
                ? ui.Form(c, "/payouts/resume",
                    $"<input type=\"hidden\" name=\"halt\" value=\"{Encode(dispatch!.DecisionId ?? "")}\">" +
                    "<input name=\"reason\" placeholder=\"why resume\" required>", "Resume payouts")
                : ui.Form(c, "/payouts/halt", "<input name=\"reason\" placeholder=\"why halt\" required>",
                    "Emergency stop: halt all payouts");
        return $"<p id=\"dispatch\">{state}</p>{action}";
    }
}
