using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Cpctl.Store;
using ContestPipeline.Plumbing.Messaging;
using Npgsql;
using Spectre.Console;
using ContestPipeline.Rules.Contests;
using ContestPipeline.Operations.Queries.Domain;
using ContestPipeline.Operations.Queries.Store;

namespace ContestPipeline.Cpctl.Commands;

/// <summary>
/// cpctl at parity with the console: contests (define, cancel, list, show), alerts (list, ack,
/// resolve), payouts halt and resume. Reads the operations read model; acts only by publishing
/// decisions, each recorded in the audit trail.
/// </summary>
public static class OperationsCommands
{
    public static Command BuildContests()
    {
        var by = OperatorOption();
        var file = new Argument<string>("file")
        {
            Description = "a contest definition as JSON (docs/topics/contests.md)",
        };
        var define = new Command("define", "validate a definition (every reason listed) and publish it on contests")
        {
            file, by,
        };
        define.SetAction((parse, ct) => DefineAsync(parse.GetValue(file)!, parse.GetValue(by)!, ct));
        var cancelId = new Argument<string>("contest-id");
        var reason = new Option<string>("--reason") { Description = "why (required)", Required = true };
        var cancel = new Command("cancel",
            "cancel a contest not yet COMPLETE (SCHEDULED, LOCKED or LIVE); every paid entry is refunded")
        {
            cancelId, reason, by,
        };
        cancel.SetAction((parse, ct) =>
            CancelAsync(parse.GetValue(cancelId)!, parse.GetValue(reason)!, parse.GetValue(by)!, ct));
        var state = new Option<string?>("--state")
        {
            Description = "only contests in this state (SCHEDULED, LIVE, PAID ...)",
        };
        var search = new Option<string?>("--search") { Description = "id or title contains" };
        var page = PageOption();
        var list = new Command("list", "contests from the operations read model, newest lock first")
        {
            state, search, page,
        };
        list.SetAction((parse, ct) =>
            ListContestsAsync(parse.GetValue(state), parse.GetValue(search), parse.GetValue(page), ct));
        var showId = new Argument<string>("contest-id");
        var show = new Command("show", "a contest's hashes and full timeline") { showId };
        show.SetAction((parse, ct) => ShowContestAsync(parse.GetValue(showId)!, ct));
        return new Command("contests", "define, cancel, list and show contests") { define, cancel, list, show };
    }

    public static Command BuildAlerts()
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

    private const int PageSize = ReadQueries.PageSize;

    // ---- contests -----------------------------------------------------------------------------------

    public static async Task<int> DefineAsync(string file, string @operator, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("contests define", @operator);
        if (tool is null) return 2;
        ContestDefined? d;
        try
        {
            d = JsonSerializer.Deserialize<ContestDefined>(await File.ReadAllTextAsync(file, ct), OutgoingMessage.Json);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return await OperatorTool.FailAsync("contests define",
                $"{file}: not a contest definition: {IncomingMessage.OneLine(e.Message)}");
        }
        if (d is null) return await OperatorTool.FailAsync("contests define", $"{file}: JSON null");
        var reasons = ContestValidator.Validate(d, new Dictionary<string, GameInfo>(), OperatorTool.Clock.GetUtcNow(),
            (d.GameIds ?? []).Where(g => !string.IsNullOrWhiteSpace(g)).ToHashSet(StringComparer.Ordinal));
        if (reasons.Count > 0)
        {
            await Console.Error.WriteLineAsync(
                $"contests define: contest {d.ContestId} not defined ({reasons.Count} reasons):");
            foreach (var r in reasons) await Console.Error.WriteLineAsync("  - " + r);
            return 1;
        }
        var hash = Convert.ToHexStringLower(
            SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(d, OutgoingMessage.Json)))[..12];
        await tool.PublishAsync(Topics.Contests, d.ContestId, $"def:{d.ContestId}:{hash}", d, ct);
        await tool.AuditAsync(@operator, OperatorTool.NewId(), "contest-define", d.ContestId, d.Title,
            "published on contests", ct);
        Console.WriteLine($"contest {d.ContestId} sent; Ingestion schedules it or refuses it with every reason " +
            $"(an alert). Follow it: cpctl contests show {d.ContestId}");
        return 0;
    }

    public static async Task<int> CancelAsync(string contestId, string reason, string @operator, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("contests cancel", @operator);
        if (tool is null) return 2;
        if (string.IsNullOrWhiteSpace(reason))
            return await OperatorTool.FailAsync("contests cancel", "--reason is required");
        var state = (await tool.Queries.ContestAsync(contestId))?.State;
        if (state is null)
            return await OperatorTool.FailAsync("contests cancel", $"no contest {contestId} in the read model");
        if (!ContestCancel.Allowed(state))
            return await OperatorTool.FailAsync("contests cancel", ContestCancel.Refusal(contestId, state));
        var id = OperatorTool.NewId();
        await tool.PublishAsync(Topics.Contests, contestId, $"cancel:{contestId}:{id}",
            new ContestCancelRequested(contestId, reason, @operator), ct);
        await tool.AuditAsync(@operator, id, "contest-cancel", contestId, reason, "published on contests", ct);
        Console.WriteLine($"cancel of {contestId} sent. {ContestCancel.TwoPersons}");
        return 0;
    }

    public static async Task<int> ListContestsAsync(string? state, string? search, int page, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("contests list");
        if (tool is null) return 2;
        var rows = await tool.Queries.ContestsAsync(state, search, page);
        var table = new Table().AddColumns("contest", "title", "state", "entries", "locks at", "why");
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.ContestId), Markup.Escape(r.Title ?? ""), Markup.Escape(r.State),
                r.EntryCount.ToString(CultureInfo.InvariantCulture),
                r.LockAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "",
                Markup.Escape(r.StateReason ?? ""));
        AnsiConsole.Write(table);
        Console.WriteLine(
            $"page {page + 1}: {rows.Count} contests{(rows.Count == PageSize ? $" (more: --page {page + 1})" : "")}");
        return 0;
    }

    public static async Task<int> ShowContestAsync(string contestId, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("contests show");
        if (tool is null) return 2;
        var contest = await tool.Queries.ContestAsync(contestId);
        if (contest is null)
            return await OperatorTool.FailAsync("contests show", $"no contest {contestId} in the read model");
        Console.WriteLine($"{contestId}  {contest.Title}  {contest.State}");
        Console.WriteLine($"  entries hash {contest.EntriesHash}; standings hash {contest.StandingsHash}; " +
            $"inputs hash {contest.InputsHash}");
        var table = new Table().AddColumns("at", "what", "");
        foreach (var e in await tool.Queries.TimelineAsync(contestId))
            table.AddRow(e.At.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture),
                Markup.Escape(e.Kind), Markup.Escape(e.Summary));
        AnsiConsole.Write(table);
        return 0;
    }

    // ---- alerts -------------------------------------------------------------------------------------

    public static async Task<int> ListAlertsAsync(
        string? state, string? severity, string? code, int page, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("alerts list");
        if (tool is null) return 2;
        var rows = await tool.Queries.AlertsAsync(state, severity, code, page);
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
        var state = (await tool.Queries.AlertAsync(alertId))?.State;
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

    // ---- payouts halt and resume --------------------------------------------------------------------

    /// <summary>
    /// Publishes a halt, or a resume naming the halt it ends (the one in force as Payout has it,
    /// unless <paramref name="halt"/> names one), on payouts.control: Payout applies a resume
    /// only to the halt in force, so one sent twice, or after another halt, ends nothing.
    /// </summary>
    public static async Task<int> DispatchAsync(string action, string reason, string @operator, string? halt,
        CancellationToken ct)
    {
        var command = "payouts " + action;
        await using var tool = await OperatorTool.OpenAsync(command, @operator);
        if (tool is null) return 2;
        if (string.IsNullOrWhiteSpace(reason)) return await OperatorTool.FailAsync(command, "--reason is required");
        string? ends = null;
        if (action == PayoutDispatchDecided.Resume)
        {
            await using var conn = new NpgsqlConnection(tool.Settings.PostgresConnectionString);
            await conn.OpenAsync(ct);
            var (halted, inForce) = await PayoutQueries.DispatchAsync(conn);
            if (!halted) return await OperatorTool.FailAsync(command, "payouts are not halted: nothing to resume");
            if (halt is not null && halt != inForce)
                return await OperatorTool.FailAsync(command,
                    $"halt {halt} is not the halt in force ({inForce}): " +
                    "look again, and resume that one if it should end");
            ends = inForce;
        }
        var id = OperatorTool.NewId();
        await tool.PublishAsync(Topics.PayoutsControl, PayoutDispatchDecided.Key,
            PayoutDispatchDecided.MessageIdFor(id),
            new PayoutDispatchDecided(id, action, @operator, reason, OperatorTool.Clock.GetUtcNow(), ends), ct);
        await tool.AuditAsync(@operator, id, "payouts-" + action, ends is null ? "payouts" : "halt " + ends, reason,
            action + " published", ct);
        Console.WriteLine(action == PayoutDispatchDecided.Halt
            ? $"halt {id} sent: Payout starts no new transfer or refund within seconds (a call in flight completes) " +
                "and says so on payouts.status"
            : $"resume of halt {ends} sent: Payout resumes automated transfers and refunds " +
                "if that halt is still the one in force");
        return 0;
    }

    // ---- the audit export ---------------------------------------------------------------------------

    public static async Task<int> ExportAsync(string contestId, string? output, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("audit export");
        if (tool is null) return 2;
        IReadOnlyList<string> lines = [];
        await AnsiConsole.Status().StartAsync($"exporting {contestId} from the read model ...", async _ =>
        {
            await using var conn = await tool.ReadModel.OpenConnectionAsync(ct);
            lines = await AuditExport.LinesAsync(conn, contestId, ct);
        });
        if (lines.Count == 0)
            return await OperatorTool.FailAsync("audit export", $"no contest {contestId} in the read model");
        var path = output ?? $"audit-{contestId}.jsonl";
        await File.WriteAllTextAsync(path, string.Join("\n", lines) + "\n", ct);
        Console.WriteLine($"{lines.Count} lines written to {path}; check it with: cpctl audit verify {path}");
        return 0;
    }
}
