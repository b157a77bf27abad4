using System.Globalization;
using System.Text.Json;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Plumbing.Messaging;
using Microsoft.AspNetCore.Http;
using ContestPipeline.Rules.Contests;

namespace ContestPipeline.OperationsConsole.Pages;

/// <summary>
/// A contest definition from the console's form or pasted JSON, with every reason it cannot be
/// defined: the form's own (a field that is not a number) and Ingestion's rules
/// (<see cref="ContestValidator"/>), run here as they will be run there, except those that need
/// the feed's games, which Ingestion checks when it has them.
/// </summary>
public static class ContestForm
{
    public static (ContestDefined? Definition, IReadOnlyList<string> Reasons) Read(
        IFormCollection form, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(form);
        var reasons = new List<string>();
        ContestDefined? definition;
        var json = form["json"].ToString();
        if (!string.IsNullOrWhiteSpace(json))
        {
            try
            {
                definition = JsonSerializer.Deserialize<ContestDefined>(json, OutgoingMessage.Json);
                if (definition is null) reasons.Add("the JSON is null");
            }
            catch (JsonException e)
            {
                return (null, [$"the JSON is not a contest definition: {IncomingMessage.OneLine(e.Message)}"]);
            }
        }
        else
        {
            definition = FromFields(form, reasons);
        }
        if (definition is null) return (null, reasons);
        var games = (definition.GameIds ?? []).Where(g => !string.IsNullOrWhiteSpace(g))
            .ToHashSet(StringComparer.Ordinal);
        reasons.AddRange(ContestValidator.Validate(definition, new Dictionary<string, GameInfo>(), now, games));
        return (definition, reasons);
    }

    private static ContestDefined? FromFields(IFormCollection form, List<string> reasons)
    {
        string T(string name) => form[name].ToString().Trim();
        long L(string name)
        {
            if (long.TryParse(T(name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
                return v;
            reasons.Add($"{name} '{T(name)}' is not a whole number");
            return 0;
        }
        int I(string name) => (int)Math.Clamp(L(name), int.MinValue, int.MaxValue);
        if (!DateTimeOffset.TryParse(T("lockAt"), CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var lockAt))
            reasons.Add($"lockAt '{T("lockAt")}' is not a time (ISO 8601, e.g. 2026-12-01T18:00:00Z)");
        var rules = new List<ScoringRule>();
        foreach (var line in T("scoringRules")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length == 2
                && long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var points))
                rules.Add(new ScoringRule(parts[0], points));
            else reasons.Add($"scoring rule '{line}' is not stat=points");
        }
        var table = T("prizeTable");
        List<int>? percentages = null;
        if (table == PrizeTableKinds.CustomPercentages)
        {
            percentages = [];
            foreach (var p in T("percentagesBp")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (int.TryParse(p, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var bp))
                    percentages.Add(bp);
                else reasons.Add($"percentage '{p}' is not a whole number of basis points");
            }
        }
        return new ContestDefined(T("contestId"), T("title"), T("kind"), T("currency").ToUpperInvariant(),
            L("entryFeeMinor"), I("minEntries"), I("maxEntries"), I("maxEntriesPerPlayer"), lockAt,
            [.. T("gameIds").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)], rules,
            I("lineupSize"), new PrizeTable(table, percentages),
            new PoolRule(T("poolMode"), I("rakeBp"), L("guaranteedMinor"),
                T("sponsor") is { Length: > 0 } sponsor ? sponsor : null), I("platformFeeBp"),
            I("statCorrectionWindowMinutes"));
    }

    public static ContestDefined Example(DateTimeOffset now) => new(
        "nfl-sunday-main", "Sunday main slate", ContestKinds.Fantasy, "USD", 20_00, 2, 1000, 1,
        now.AddDays(1), ["g1", "g2"], [new ScoringRule("yards", 40), new ScoringRule("touchdowns", 6_000)], 2,
        new PrizeTable(PrizeTableKinds.TopThreeWeighted), new PoolRule(PoolModes.Rake, 1_000), 300);
}
