using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Plumbing.Messaging;
using Spectre.Console;
using ContestPipeline.Rules.Contests;
using ContestPipeline.Operations.Queries;
using ContestPipeline.Operations.Queries.Contests;

namespace ContestPipeline.Cpctl.Contests;

/// <summary>
/// cpctl contests, at parity with the console: define, cancel, list and show. Reads the operations
/// read model; acts only by publishing decisions, each recorded in the audit trail.
/// </summary>
public static class ContestsCommand
{
    public static Command Build()
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
        var seal = new Command("seal", "add your seal to a definition file, for a definition that needs a second " +
            "operator (a guaranteed pool above " + Money.Format(ContestLimits.GuaranteedMinorOneOperatorMax, "USD")
            + "); the other operator then defines it")
        {
            file, by,
        };
        seal.SetAction((parse, ct) => SealAsync(parse.GetValue(file)!, parse.GetValue(by)!, ct));
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
        return new Command("contests", "define, seal, cancel, list and show contests")
        {
            define, seal, cancel, list, show,
        };
    }

    private static Option<string> OperatorOption() =>
        OperatorTool.OperatorOption("who acts (recorded in the audit trail)");

    private static Option<int> PageOption() =>
        new("--page") { Description = "page of 50 (from 0)", DefaultValueFactory = _ => 0 };

    private const int PageSize = ReadStore.PageSize;

    public static async Task<int> DefineAsync(string file, string @operator, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("contests define", @operator);
        if (tool is null) return 2;
        var d = await ReadValidAsync("contests define", file, ct);
        if (d is null) return 1;
        d = DefinitionSeals.Seal(d, tool.Key);
        var needed = ContestLimits.SealsNeeded(d);
        var sealedBy = DefinitionSeals.ClaimedOperators(d);
        if (sealedBy.Count < needed)
            return await OperatorTool.FailAsync("contests define", $"contest {d.ContestId} not defined: sealed by " +
                $"{string.Join(", ", sealedBy)}, {needed} operators needed (a guaranteed pool above " +
                $"{Money.Format(ContestLimits.GuaranteedMinorOneOperatorMax, d.Currency)}); another operator seals " +
                $"the file first: cpctl contests seal {file}");
        var hash = DefinitionSeals.Hash(d)[..12];
        await tool.PublishAsync(Topics.Contests, d.ContestId, $"def:{d.ContestId}:{hash}", d, ct);
        await tool.AuditAsync(@operator, OperatorTool.NewId(), "contest-define", d.ContestId, d.Title,
            "published on contests", ct);
        Console.WriteLine($"contest {d.ContestId} sent; Ingestion schedules it or refuses it with every reason " +
            $"(an alert); sealed by {string.Join(", ", sealedBy)}. Follow it: cpctl contests show {d.ContestId}");
        return 0;
    }

    /// <summary>
    /// Adds the operator's seal to the file (kept beside the others), for a second operator to define: the seal
    /// is over the definition without seals, so any change to it afterwards voids the seal.
    /// </summary>
    public static async Task<int> SealAsync(string file, string @operator, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("contests seal", @operator);
        if (tool is null) return 2;
        var d = await ReadValidAsync("contests seal", file, ct);
        if (d is null) return 1;
        d = DefinitionSeals.Seal(d, tool.Key);
        var temporary = file + $".{Environment.ProcessId}.tmp";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(d, Indented) + "\n", ct);
        File.Move(temporary, file, overwrite: true);
        await tool.AuditAsync(tool.Key.Operator, OperatorTool.NewId(), "contest-seal", d.ContestId, d.Title,
            $"sealed {file}", ct);
        var needed = ContestLimits.SealsNeeded(d);
        var sealedBy = DefinitionSeals.ClaimedOperators(d);
        Console.WriteLine($"contest {d.ContestId} sealed by {string.Join(", ", sealedBy)} in {file}; " +
            (sealedBy.Count + 1 >= needed ? "another operator defines it: cpctl contests define " + file
                : $"{needed - sealedBy.Count - 1} more operator(s) seal it first"));
        return 0;
    }

    private static readonly JsonSerializerOptions Indented = new(OutgoingMessage.Json) { WriteIndented = true };

    /// <summary>The file's definition if it passes every rule; otherwise null after every reason on stderr.</summary>
    private static async Task<ContestDefined?> ReadValidAsync(string command, string file, CancellationToken ct)
    {
        ContestDefined? d;
        try
        {
            d = JsonSerializer.Deserialize<ContestDefined>(await File.ReadAllTextAsync(file, ct), OutgoingMessage.Json);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            await OperatorTool.FailAsync(command,
                $"{file}: not a contest definition: {IncomingMessage.OneLine(e.Message)}");
            return null;
        }
        if (d is null)
        {
            await OperatorTool.FailAsync(command, $"{file}: JSON null");
            return null;
        }
        var reasons = ContestValidator.Validate(d, new Dictionary<string, GameInfo>(), OperatorTool.Clock.GetUtcNow(),
            (d.GameIds ?? []).Where(g => !string.IsNullOrWhiteSpace(g)).ToHashSet(StringComparer.Ordinal));
        if (reasons.Count == 0) return d;
        await Console.Error.WriteLineAsync($"{command}: contest {d.ContestId} not defined ({reasons.Count} reasons):");
        foreach (var r in reasons) await Console.Error.WriteLineAsync("  - " + r);
        return null;
    }

    public static async Task<int> CancelAsync(string contestId, string reason, string @operator, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("contests cancel", @operator);
        if (tool is null) return 2;
        if (string.IsNullOrWhiteSpace(reason))
            return await OperatorTool.FailAsync("contests cancel", "--reason is required");
        var state = (await new ContestReadStore(tool.ReadModel).ContestAsync(contestId))?.State;
        if (state is null)
            return await OperatorTool.FailAsync("contests cancel", $"no contest {contestId} in the read model");
        if (!ContestCancel.Allowed(state))
            return await OperatorTool.FailAsync("contests cancel", ContestCancel.Refusal(contestId, state));
        var id = OperatorTool.NewId();
        await tool.PublishAsync(Topics.Contests, contestId, $"cancel:{contestId}:{id}",
            new ContestCancelRequested(contestId, reason, @operator, OperatorTool.Clock.GetUtcNow()), ct);
        await tool.AuditAsync(@operator, id, "contest-cancel", contestId, reason, "published on contests", ct);
        Console.WriteLine($"cancel of {contestId} sent. {ContestCancel.TwoPersons}");
        return 0;
    }

    public static async Task<int> ListContestsAsync(string? state, string? search, int page, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("contests list");
        if (tool is null) return 2;
        var rows = await new ContestReadStore(tool.ReadModel).ContestsAsync(state, search, page);
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
        var contest = await new ContestReadStore(tool.ReadModel).ContestAsync(contestId);
        if (contest is null)
            return await OperatorTool.FailAsync("contests show", $"no contest {contestId} in the read model");
        Console.WriteLine($"{contestId}  {contest.Title}  {contest.State}");
        Console.WriteLine($"  entries hash {contest.EntriesHash}; standings hash {contest.StandingsHash}; " +
            $"inputs hash {contest.InputsHash}");
        var table = new Table().AddColumns("at", "what", "");
        foreach (var e in await new ContestReadStore(tool.ReadModel).TimelineAsync(contestId))
            table.AddRow(e.At.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture),
                Markup.Escape(e.Kind), Markup.Escape(e.Summary));
        AnsiConsole.Write(table);
        return 0;
    }
}
