using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Prizes;
using ContestPipeline.Operations.Queries.Audit;
using Spectre.Console;

namespace ContestPipeline.Cpctl.Contests;

/// <summary>
/// cpctl audit export CONTEST writes a contest's money events, from the read model, as hash-chained
/// JSON lines; cpctl audit verify FILE checks an export's hash chain line by line, then recomputes
/// the settlement from the export's own inputs (the definition, the entries' fees, the final
/// standings) with Settlement's prize calculator, and compares it with the export's prize orders,
/// its result hash and its settlement record. Every problem is listed; exit code 1 if any.
/// </summary>
public static class AuditCommand
{
    /// <summary>cpctl audit: export a contest's money events (from the read model) and verify an export.</summary>
    public static Command Build()
    {
        var contest = new Argument<string>("contest-id");
        var output = new Option<string?>("--out") { Description = "file to write (default audit-<contest>.jsonl)" };
        var export = new Command("export", "every money event of a contest in order as hash-chained JSON lines")
        {
            contest, output,
        };
        export.SetAction((parse, ct) =>
            ExportAsync(parse.GetValue(contest)!, parse.GetValue(output), ct));
        var file = new Argument<string>("file");
        var verify = new Command("verify", "check an export's hash chain and recompute its settlement from its inputs")
        {
            file,
        };
        verify.SetAction((parse, ct) => RunAsync(parse.GetValue(file)!, ct));
        return new Command("audit", "export a contest's money events and verify an export") { export, verify };
    }

    public static async Task<int> RunAsync(string file, CancellationToken ct)
    {
        string[] lines;
        try
        {
            lines = (await File.ReadAllLinesAsync(file, ct)).Where(l => l.Length > 0).ToArray();
        }
        catch (IOException e)
        {
            return await OperatorTool.FailAsync("audit verify", e.Message);
        }
        var problems = Verify(lines, out var summary);
        Console.WriteLine(summary);
        foreach (var p in problems) Console.WriteLine("  FAIL " + p);
        Console.WriteLine(problems.Count == 0
            ? "audit OK: the chain holds and the settlement recomputes to the cent"
            : $"audit FAILED: {problems.Count} problems");
        return problems.Count == 0 ? 0 : 1;
    }

    public static List<string> Verify(IReadOnlyList<string> lines, out string summary)
    {
        var problems = new List<string>();
        summary = $"{lines.Count} lines";
        var prev = AuditChain.Genesis;
        JsonObject? contest = null;
        var fees = new List<long>();
        var standings = new List<StandingRow>();
        var orders = new List<JsonObject>();
        string? resultHash = null;
        for (var i = 0; i < lines.Count; i++)
        {
            JsonObject line;
            try
            {
                line = JsonNode.Parse(lines[i])?.AsObject() ?? throw new JsonException("null");
            }
            catch (JsonException e)
            {
                problems.Add($"line {i + 1} is not JSON: {e.Message}");
                return problems;
            }
            if ((int?)line["seq"] != i + 1) problems.Add($"line {i + 1}: seq is {line["seq"]}, expected {i + 1}");
            if ((string?)line["prev"] != prev)
                problems.Add(
                    $"line {i + 1}: prev {line["prev"]} is not the hash of line {i} ({prev}): the chain is broken");
            prev = AuditChain.Sha256(lines[i]);
            resultHash ??= (string?)line["resultHash"];
            if ((string?)line["resultHash"] != resultHash)
                problems.Add($"line {i + 1}: resultHash differs from the first line's");
            var data = line["data"]?.AsObject();
            switch ((string?)line["kind"])
            {
                case "contest": contest = data; break;
                case "entry": fees.Add((long)data!["amountMinor"]!); break;
                case "standing":
                    standings.Add(new StandingRow((int)data!["rank"]!, (string)data["entryId"]!,
                        (string)data["playerId"]!, (long)data["scoreMilli"]!));
                    break;
                case "payout_order" when (string?)data!["kind"] == "prize": orders.Add(data); break;
            }
        }
        if (contest is null)
        {
            problems.Add("no contest line");
            return problems;
        }
        var definition = contest["definition"].Deserialize<ContestDefined>(OutgoingMessage.Json)!;
        var settled = contest["settled"]?.Deserialize<ContestSettled>(OutgoingMessage.Json);
        summary += $"; contest {definition.ContestId}: {fees.Count} entries, {standings.Count} standings rows, " +
            $"{orders.Count} prize orders";
        if (settled is null)
        {
            summary += "; not settled, so there is no settlement to recompute";
            return problems;
        }
        summary += Recompute(definition, settled, fees, standings, orders, resultHash, problems);
        return problems;
    }

    /// <summary>
    /// The settlement recomputed from the export's own entries and standings, against its prize orders, its result
    /// hash and the settlement record: a problem for each that differs; returns what was recomputed, for the summary.
    /// </summary>
    private static string Recompute(ContestDefined definition, ContestSettled settled, List<long> fees,
        List<StandingRow> standings, List<JsonObject> orders, string? resultHash, List<string> problems)
    {
        var rules = PrizeRules.From(definition);
        var decision = PrizeCalculator.Calculate(definition.ContestId, rules, new Money(fees.Sum(), rules.Currency),
            standings);
        var awards = decision.Settlement?.Awards ?? [];
        var recomputed = AuditChain.ResultHash(awards.Select(a =>
            (a.PayoutId, a.EntryId, a.Rank, a.Gross.MinorUnits, a.Fee.MinorUnits, a.Net.MinorUnits)));
        var exported = AuditChain.ResultHash(orders.Select(o => ((string)o["payoutId"]!, (string)o["entryId"]!,
            (int)o["rank"]!, (long)o["grossMinor"]!, (long)o["feeMinor"]!, (long)o["netMinor"]!)));
        if (recomputed != exported)
            problems.Add($"the prize orders in the export ({exported}) are not what the settlement recomputes to " +
                $"({recomputed})");
        if (recomputed != resultHash)
            problems.Add($"the export's resultHash {resultHash} is not the recomputed {recomputed}");
        var pool = decision.Settlement?.Pool;
        CompareTotals(problems, settled, pool, awards, fees.Sum());
        return $"; recomputed {awards.Count} prizes, pool {pool?.Pool}, result hash {recomputed}";
    }

    /// <summary>The settlement record's totals against the recomputed ones: a problem for each that differs.</summary>
    private static void CompareTotals(List<string> problems, ContestSettled settled, PoolBreakdown? pool,
        IReadOnlyList<PrizeAward> awards, long entryFees)
    {
        if (pool is not null && pool.Pool.MinorUnits != settled.PoolMinor)
            problems.Add($"pool recomputes to {pool.Pool.MinorUnits}, the record says {settled.PoolMinor}");
        var net = awards.Sum(a => a.Net.MinorUnits);
        if (net != settled.PrizesNetMinor)
            problems.Add($"net prizes recompute to {net}, the record says {settled.PrizesNetMinor}");
        var fees = awards.Sum(a => a.Fee.MinorUnits);
        if (fees != settled.PlatformFeesMinor)
            problems.Add($"fees on prizes recompute to {fees}, the record says {settled.PlatformFeesMinor}");
        if (entryFees != settled.EntryFeesMinor)
            problems.Add($"entry fees add up to {entryFees}, the record says {settled.EntryFeesMinor}");
    }

    public static async Task<int> ExportAsync(string contestId, string? output, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("audit export");
        if (tool is null) return 2;
        IReadOnlyList<string> lines = [];
        await AnsiConsole.Status().StartAsync($"exporting {contestId} from the read model ...", async _ =>
        {
            await using var conn = await tool.ReadModel.OpenConnectionAsync(ct);
            lines = await AuditExportStore.LinesAsync(conn, contestId, ct);
        });
        if (lines.Count == 0)
            return await OperatorTool.FailAsync("audit export", $"no contest {contestId} in the read model");
        var path = output ?? $"audit-{contestId}.jsonl";
        await File.WriteAllTextAsync(path, string.Join("\n", lines) + "\n", ct);
        Console.WriteLine($"{lines.Count} lines written to {path}; check it with: cpctl audit verify {path}");
        return 0;
    }
}
