using System.CommandLine;
using System.Globalization;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Operations;
using Spectre.Console;
using ContestPipeline.Operations.Queries;
using ContestPipeline.Operations.Queries.Alerts;

namespace ContestPipeline.Cpctl.Alerts;

/// <summary>
/// cpctl alerts, at parity with the console: list, acknowledge and resolve. Reads the operations
/// read model; acts only by publishing decisions, each recorded in the audit trail.
/// </summary>
public static class AlertsCommand
{
    public static Command Build()
    {
        var state = new Option<string?>("--state") { Description = "open, acknowledged or resolved" };
        var severity = new Option<string?>("--severity") { Description = "info, warning or critical" };
        var code = new Option<string?>("--code") { Description = "only this alert code" };
        var page = PageOption();
        var list = new Command("list", "alerts from the operations read model, newest first")
        {
            state, severity, code, page,
        };
        list.SetAction((parse, ct) => ListAlertsAsync(
            parse.GetValue(state), parse.GetValue(severity), parse.GetValue(code), parse.GetValue(page), ct));
        var alerts = new Command("alerts", "list, acknowledge and resolve alerts") { list };
        foreach (var action in new[] { "ack", "resolve" })
        {
            var alertId = new Argument<string>("alert-id");
            var note = new Option<string>("--note")
            {
                Description = "what you are doing about it (required)", Required = true,
            };
            var by = OperatorOption();
            var command = new Command(action,
                action == "ack" ? "acknowledge an alert with a note" : "resolve an alert with a note")
            {
                alertId, note, by,
            };
            command.SetAction((parse, ct) =>
                DecideAlertAsync(parse.GetValue(alertId)!, action, parse.GetValue(note)!, parse.GetValue(by)!, ct));
            alerts.Subcommands.Add(command);
        }
        return alerts;
    }

    private static Option<string> OperatorOption() =>
        OperatorTool.OperatorOption("who acts (recorded in the audit trail)");

    private static Option<int> PageOption() =>
        new("--page") { Description = "page of 50 (from 0)", DefaultValueFactory = _ => 0 };

    private const int PageSize = ReadStore.PageSize;

    public static async Task<int> ListAlertsAsync(
        string? state, string? severity, string? code, int page, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("alerts list");
        if (tool is null) return 2;
        var rows = await new AlertReadStore(tool.ReadModel).AlertsAsync(state, severity, code, page);
        var table = new Table().AddColumns("raised", "severity", "code", "state", "alert id", "message");
        foreach (var r in rows)
            table.AddRow(r.RaisedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                Markup.Escape(r.Severity), Markup.Escape(r.Code), Markup.Escape(r.State), Markup.Escape(r.AlertId),
                Markup.Escape(r.Message.Length > 120 ? r.Message[..120] + "…" : r.Message));
        AnsiConsole.Write(table);
        Console.WriteLine(
            $"page {page + 1}: {rows.Count} alerts{(rows.Count == PageSize ? $" (more: --page {page + 1})" : "")}");
        return 0;
    }

    public static async Task<int> DecideAlertAsync(
        string alertId, string action, string note, string @operator, CancellationToken ct)
    {
        var command = "alerts " + action;
        await using var tool = await OperatorTool.OpenAsync(command, @operator);
        if (tool is null) return 2;
        if (string.IsNullOrWhiteSpace(note)) return await OperatorTool.FailAsync(command, "--note is required");
        var state = (await new AlertReadStore(tool.ReadModel).AlertAsync(alertId))?.State;
        if (state is null) return await OperatorTool.FailAsync(command, $"no alert {alertId}");
        if (state == "resolved") return await OperatorTool.FailAsync(command, $"alert {alertId} is resolved already");
        var id = OperatorTool.NewId();
        var now = OperatorTool.Clock.GetUtcNow();
        if (action == "ack")
            await tool.PublishAsync(Topics.Operations, alertId, AlertAcknowledged.MessageIdFor(id),
                new AlertAcknowledged(id, alertId, @operator, note, now), ct);
        else
            await tool.PublishAsync(Topics.Operations, alertId, AlertResolved.MessageIdFor(id),
                new AlertResolved(id, alertId, @operator, note, now), ct);
        await tool.AuditAsync(@operator, id, "alert-" + action, alertId, note, action + " published", ct);
        Console.WriteLine($"alert {alertId}: {action} sent");
        return 0;
    }
}
