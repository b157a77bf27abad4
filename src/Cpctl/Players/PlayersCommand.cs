using System.CommandLine;
using System.Globalization;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Players;
using ContestPipeline.Operations.Queries.Players;
using ContestPipeline.Rules.Players;
using Spectre.Console;

namespace ContestPipeline.Cpctl.Players;

/// <summary>
/// cpctl players limits and limit: a player's responsible-gaming limits. <c>limits</c> shows them with their recent
/// changes; <c>limit</c> publishes an operator's change on <c>contests</c>, which Ingestion applies by the platform's
/// rules (a lower limit and an exclusion at once, a raise after its cooling-off, an exclusion never shortened),
/// recorded in the audit trail.
/// </summary>
public static class PlayersCommand
{
    /// <summary><c>limits</c> and <c>limit</c>, beside the players' earnings commands.</summary>
    public static IEnumerable<Command> Commands()
    {
        var player = new Argument<string>("player-id");
        var show = new Command("limits", "a player's limits as Ingestion applies them, and their latest changes")
        {
            player,
        };
        show.SetAction((parse, ct) => ShowAsync(parse.GetValue(player)!, ct));
        var daily = new Option<long?>("--daily") { Description = "daily entry-fee limit, minor units" };
        var monthly = new Option<long?>("--monthly") { Description = "monthly entry-fee limit, minor units" };
        var exclusion = new Option<string?>("--exclusion")
        {
            Description = $"{LimitRules.CoolingOff} ({LimitRules.CoolingOffDaysMin} to {LimitRules.CoolingOffDaysMax} "
                + $"days) or {LimitRules.SelfExclusion} ({LimitRules.SelfExclusionDaysMin} to "
                + $"{LimitRules.SelfExclusionDaysMax} days)",
        };
        var days = new Option<int?>("--days") { Description = "how long the exclusion lasts" };
        var reason = new Option<string>("--reason") { Description = "why (required)", Required = true };
        var by = OperatorTool.OperatorOption("who acts (recorded in the audit trail)");
        var set = new Command("limit", "lower or raise a player's entry-fee limits, or exclude the player for a time")
        {
            player, daily, monthly, exclusion, days, reason, by,
        };
        set.SetAction((parse, ct) => SetAsync(parse.GetValue(player)!,
            new LimitRequest(parse.GetValue(daily), parse.GetValue(monthly), parse.GetValue(exclusion),
                parse.GetValue(days)), parse.GetValue(reason)!, parse.GetValue(by)!, ct));
        return [show, set];
    }

    public static async Task<int> SetAsync(string playerId, LimitRequest change, string reason, string @operator,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        const string command = "players limit";
        await using var tool = await OperatorTool.OpenAsync(command, @operator);
        if (tool is null) return 2;
        if (string.IsNullOrWhiteSpace(reason)) return await OperatorTool.FailAsync(command, "--reason is required");
        if (playerId.Length is 0 or > 200)
            return await OperatorTool.FailAsync(command, "player-id is 1 to 200 characters");
        if (LimitRules.Problem(change) is { } problem)
            return await OperatorTool.FailAsync(command, problem.Replace("dailyLimitMinor", "--daily")
                .Replace("monthlyLimitMinor", "--monthly").Replace("exclusionDays", "--days")
                .Replace("exclusion", "--exclusion"));
        var id = OperatorTool.NewId();
        await tool.PublishAsync(Topics.Contests, PlayerLimitsSet.KeyFor(playerId), $"limits:{playerId}:{id}",
            new PlayerLimitsSet(playerId, reason, @operator, OperatorTool.Clock.GetUtcNow(), change.DailyMinor,
                change.MonthlyMinor, change.Exclusion, change.ExclusionDays), ct);
        await tool.AuditAsync(@operator, id, "player-limits", playerId, reason, "published on contests", ct);
        Console.WriteLine($"limits of {playerId} sent; Ingestion applies them (see: cpctl players limits {playerId})");
        return 0;
    }

    public static async Task<int> ShowAsync(string playerId, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("players limits");
        if (tool is null) return 2;
        var store = new PlayerLimitReadStore(tool.ReadModel);
        var row = await store.LimitsAsync(playerId, OperatorTool.Clock.GetUtcNow()) ?? new PlayerLimits();
        static string Limit(long? value, string fallback) =>
            value is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : fallback;
        static string Time(DateTimeOffset? t) => t is { } v ? Rules.Show.Time(v) : "";
        const string platform = "the platform's default";
        Console.WriteLine($"{playerId}: daily {Limit(row.DailyMinor, platform)}"
            + (row.RaisedDailyMinor is { } rd ? $" (raise to {Limit(rd, "")} from {Time(row.RaisedDailyFrom)})" : "")
            + $"; monthly {Limit(row.MonthlyMinor, platform)}"
            + (row.RaisedMonthlyMinor is { } rm ? $" (raise to {Limit(rm, "")} from {Time(row.RaisedMonthlyFrom)})"
                : "")
            + (row.Exclusion is { } ex ? $"; {ex} until {Time(row.ExcludedUntil)}" : "; not excluded"));
        var table = new Table().AddColumns("requested", "by", "outcome", "what was done");
        foreach (var r in await store.ChangesAsync(playerId, 20))
            table.AddRow(Markup.Escape(Rules.Show.Time(r.RequestedAt)), Markup.Escape(r.RequestedBy),
                Markup.Escape(r.Outcome ?? "waiting"), Markup.Escape(r.Summary ?? ""));
        AnsiConsole.Write(table);
        return 0;
    }
}
