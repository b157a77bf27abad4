using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.OperationsConsole.Pages;
using ContestPipeline.OperationsConsole.Rendering;
using ContestPipeline.Operations.Queries.Alerts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static ContestPipeline.OperationsConsole.Rendering.Html;

namespace ContestPipeline.OperationsConsole.Pages;

/// <summary>
/// Alerts: open, acknowledged, resolved; filtered by severity and code; acknowledged and resolved with a note.
/// </summary>
public static class AlertPages
{
    public static void Map(RouteGroupBuilder app)
    {
        app.MapGet("/alerts", async (HttpContext c, Ui ui, AlertReadStore q,
            string? state, string? severity, string? code, int? page) =>
        {
            var p = Math.Max(0, page ?? 0);
            var rows = await q.AlertsAsync(
                ContestPages.Blank(state), ContestPages.Blank(severity), ContestPages.Blank(code), p);
            var codes = await q.AlertCodesAsync();
            string Opt(string[] values, string? current) => "<option value=\"\">any</option>"
                + string.Concat(values.Select(v => $"<option{(v == current ? " selected" : "")}>{Encode(v)}</option>"));
            var filters = $"""
                <form method="get" class="filters">State
                <select name="state">{Opt(["open", "acknowledged", "resolved"], state)}</select>
                Severity <select name="severity">{Opt(["critical", "warning", "info"], severity)}</select>
                Code <select name="code">{Opt([.. codes], code)}</select> <button>Filter</button></form>
                """;
            var table = Table(["Raised", "Severity", "Code", "Subject", "Message", "State", "Who", "Act"],
                rows.Select(a => new[]
                {
                    Time(a.RaisedAt), Badge(a.Severity), Encode(a.Code), Encode(a.Subject), Encode(a.Message),
                    Badge(a.State),
                    (a.AckedBy is null ? "" : $"ack {Encode(a.AckedBy)} {Time(a.AckedAt)}: {Encode(a.AckNote)}<br>")
                    + (a.ResolvedBy is null ? ""
                        : $"resolved {Encode(a.ResolvedBy)} {Time(a.ResolvedAt)}: {Encode(a.ResolveNote)}"),
                    Act(c, ui, a),
                }), "alerts");
            return ui.Page(c, "Alerts", filters + table + ContestPages.Pager(c, p, rows.Count));
        });

        app.Action("/alerts/ack", (HttpContext c, Ui ui, AlertReadStore q, Decisions d) =>
            DecideAsync(c, ui, q, d, "ack"));
        app.Action("/alerts/resolve", (HttpContext c, Ui ui, AlertReadStore q, Decisions d) =>
            DecideAsync(c, ui, q, d, "resolve"));
    }

    private static string Act(HttpContext c, Ui ui, AlertRow a)
    {
        if (a.State == "resolved" || !Ui.Can(c, OperatorRoles.Approver)) return "";
        var fields = $"<input type=\"hidden\" name=\"alertId\" value=\"{Encode(a.AlertId)}\">"
            + "<input name=\"note\" placeholder=\"note (required)\" required>";
        return (a.State == "open" ? ui.Form(c, "/alerts/ack", fields, "Acknowledge") : "")
            + ui.Form(c, "/alerts/resolve", fields, "Resolve");
    }

    private static async Task<IResult> DecideAsync(HttpContext c, Ui ui, AlertReadStore q, Decisions d, string action)
    {
        if (!Ui.Can(c, OperatorRoles.Approver)) return ui.Forbidden(c, OperatorRoles.Approver);
        var form = await c.Request.ReadFormAsync();
        var alertId = form["alertId"].ToString();
        var note = form["note"].ToString().Trim();
        var alert = await q.AlertAsync(alertId);
        var problems = new List<string>();
        if (note.Length == 0) problems.Add("a note is required");
        if (alert is null) problems.Add($"no alert {alertId}");
        else if (alert.State == "resolved") problems.Add($"alert {alertId} is resolved already");
        if (problems.Count > 0) return ui.Problem(c, "Not recorded", problems);
        var id = Decisions.DecisionId(form);
        if (action == "ack")
            await d.PublishAsync(Topics.Operations, alertId, AlertAcknowledged.MessageIdFor(id),
                new AlertAcknowledged(id, alertId, Ui.Name(c), note, d.Now), c.RequestAborted);
        else
            await d.PublishAsync(Topics.Operations, alertId, AlertResolved.MessageIdFor(id),
                new AlertResolved(id, alertId, Ui.Name(c), note, d.Now), c.RequestAborted);
        await d.AuditAsync(c, id, "alert-" + action, alertId, note, action + " published", c.RequestAborted);
        return ui.Done(c, action == "ack" ? "Acknowledged" : "Resolved",
            $"Alert {alertId}: {(action == "ack" ? "acknowledged" : "resolved")}.", "/alerts");
    }
}
