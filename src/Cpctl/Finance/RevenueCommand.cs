using System.CommandLine;
using ContestPipeline.Operations.Queries.Revenue;

namespace ContestPipeline.Cpctl.Finance;

/// <summary>
/// cpctl revenue: the platform's revenue streams from the ledger (rake, platform fees, house take, withheld prizes,
/// less the overlay it added to guaranteed pools and what disputes cost) by UTC day, UTC month or contest, as a table
/// or CSV. Over the whole book it also reconciles its totals against the stream accounts' balances and exits 1 naming
/// any difference. Reads Settlement's journal as the read-only role; changes nothing.
/// </summary>
public static class RevenueCommand
{
    public static Command Build()
    {
        var by = new Option<RevenueGrouping>("--by")
        {
            Description = "one line per day, month (UTC) or contest", DefaultValueFactory = _ => RevenueGrouping.Day,
        };
        var from = new Option<DateOnly?>("--from") { Description = "first day counted (UTC, yyyy-MM-dd)" };
        var to = new Option<DateOnly?>("--to") { Description = "last day counted (UTC, yyyy-MM-dd)" };
        var csv = new Option<bool>("--csv") { Description = "write CSV (amounts in minor units) instead of a table" };
        var revenue = new Command("revenue",
            "revenue by day, month or contest from the ledger: rake, platform fees, house take, withheld prizes, "
                + "overlay, dispute costs, net; reconciled against the ledger's accounts")
        {
            by, from, to, csv,
        };
        revenue.SetAction((parse, ct) => RunAsync(parse.GetValue(by), parse.GetValue(from), parse.GetValue(to),
            parse.GetValue(csv), Console.Out, ct));
        return revenue;
    }

    public static async Task<int> RunAsync(RevenueGrouping by, DateOnly? from, DateOnly? to, bool csv,
        TextWriter output, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("revenue");
        if (tool is null) return 2;
        await using var conn = await tool.ReadModel.OpenConnectionAsync(ct);
        var lines = RevenueReport.Lines(await RevenueStore.PostingsAsync(conn, by, Start(from), Start(to?.AddDays(1))));
        var totals = RevenueReport.Totals(lines);
        if (csv) await output.WriteAsync(RevenueReport.Csv([.. lines, .. totals], by));
        else
            foreach (var line in lines.Concat(totals))
                await output.WriteLineAsync($"{line.GroupKey}  {RevenueReport.Describe(line)}");
        if (from is not null || to is not null) return 0;
        var problems = RevenueReport.Unreconciled(totals, await RevenueStore.BalancesAsync(conn));
        foreach (var problem in problems) await Console.Error.WriteLineAsync("problem: " + problem);
        if (!csv)
            await output.WriteLineAsync(problems.Count == 0
                ? "reconciled: the totals are the ledger's revenue and cost accounts' balances"
                : $"not reconciled: {problems.Count} currency(ies) differ from the ledger");
        return problems.Count == 0 ? 0 : 1;
    }

    private static DateTimeOffset? Start(DateOnly? day) =>
        day is { } d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)) : null;
}
