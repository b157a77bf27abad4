using System.Globalization;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Players;
using ContestPipeline.Operations.Queries.Players;
using ContestPipeline.OperationsConsole.Rendering;
using ContestPipeline.Rules.Players;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static ContestPipeline.OperationsConsole.Rendering.Html;

namespace ContestPipeline.OperationsConsole.Pages;

/// <summary>
/// A player's responsible-gaming limits on their page (<see cref="LimitRules"/>): the limits as they stand, a raise
/// still waiting, an exclusion, and the latest changes with what Ingestion did with each; an approver changes them
/// with a reason, signed as a <see cref="PlayerLimitsSet"/> on <c>contests</c> as <c>cpctl players limit</c> does.
/// </summary>
public static class PlayerLimitsSection
{
    public static void Map(RouteGroupBuilder app) =>
        app.Action("/players/{id}/limits", async (HttpContext c, Ui ui, Decisions d, string id) =>
        {
            if (!Ui.Can(c, OperatorRoles.Approver)) return ui.Forbidden(c, OperatorRoles.Approver);
            var form = await c.Request.ReadFormAsync();
            var reason = form["reason"].ToString().Trim();
            var problems = new List<string>();
            if (reason.Length == 0) problems.Add("a reason is required");
            if (id.Length is 0 or > 200) problems.Add("the player id is 1 to 200 characters");
            var change = new LimitRequest(Whole(form, "daily", problems), Whole(form, "monthly", problems),
                form["exclusion"].ToString() is { Length: > 0 } kind ? kind : null,
                (int?)Whole(form, "days", problems));
            if (problems.Count == 0 && LimitRules.Problem(change) is { } problem)
                problems.Add(problem.Replace("dailyLimitMinor", "the daily limit")
                    .Replace("monthlyLimitMinor", "the monthly limit").Replace("exclusionDays", "the days"));
            if (problems.Count > 0) return ui.Problem(c, "Limits not changed", problems);
            var decision = Decisions.DecisionId(form);
            await d.PublishAsync(Topics.Contests, PlayerLimitsSet.KeyFor(id), $"limits:{id}:{decision}",
                new PlayerLimitsSet(id, reason, Ui.Name(c), d.Now, change.DailyMinor, change.MonthlyMinor,
                    change.Exclusion, change.ExclusionDays), c.RequestAborted);
            await d.AuditAsync(c, decision, "player-limits", id, reason, "published on contests", c.RequestAborted);
            return ui.Done(c, "Limits sent", $"The change to {id}'s limits is sent; Ingestion applies it by the "
                + "platform's rules (a lower limit and an exclusion at once, a raise after its wait).",
                "/players/" + Url(id));
        });

    /// <summary>The limits as they stand, their latest changes, and for approvers the form that changes them.</summary>
    public static async Task<string> RenderAsync(HttpContext c, Ui ui, PlayerLimitReadStore store, DateTimeOffset now,
        string id)
    {
        var limits = await store.LimitsAsync(id, now) ?? new PlayerLimits();
        var changes = await store.ChangesAsync(id, 10);
        static string Limit(long? value) => value is { } v ? Number(v) : "the platform's default";
        static string Raise(long? to, DateTimeOffset? from) =>
            to is { } v ? $" (raise to {Number(v)} from {Time(from)})" : "";
        var summary = $"Daily {Limit(limits.DailyMinor)}{Raise(limits.RaisedDailyMinor, limits.RaisedDailyFrom)}; "
            + $"monthly {Limit(limits.MonthlyMinor)}{Raise(limits.RaisedMonthlyMinor, limits.RaisedMonthlyFrom)}; "
            + (limits.Exclusion is { } ex ? $"{Encode(ex)} until {Time(limits.ExcludedUntil)}" : "not excluded")
            + " (entry fees, minor units)";
        var html = $"<h2>Responsible-gaming limits</h2><p id=\"player-limits\">{summary}</p>"
            + Table(["Requested", "By", "Outcome", "What was done"], changes.Select(r => new[]
            {
                Time(r.RequestedAt), Encode(r.RequestedBy), Badge(r.Outcome ?? "waiting"), Encode(r.Summary ?? ""),
            }), "limit-changes");
        if (!Ui.Can(c, OperatorRoles.Approver)) return html;
        return html + ui.Form(c, $"/players/{Url(id)}/limits",
            "<input name=\"daily\" inputmode=\"numeric\" placeholder=\"daily limit\" size=\"12\"> "
            + "<input name=\"monthly\" inputmode=\"numeric\" placeholder=\"monthly limit\" size=\"12\"> "
            + $"<select name=\"exclusion\"><option value=\"\">no exclusion</option><option>{LimitRules.CoolingOff}"
            + $"</option><option>{LimitRules.SelfExclusion}</option></select> "
            + "<input name=\"days\" inputmode=\"numeric\" placeholder=\"days\" size=\"5\"> "
            + "<input name=\"reason\" placeholder=\"why (required)\" size=\"40\" required>",
            "Change limits", "limits-form");
    }

    /// <summary>A whole number from the form, or null when the field is empty; a problem named if not one.</summary>
    private static long? Whole(IFormCollection form, string field, List<string> problems)
    {
        var text = form[field].ToString().Trim().Replace(",", "", StringComparison.Ordinal);
        if (text.Length == 0) return null;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            && (field != "days" || value <= int.MaxValue)) return value;
        problems.Add($"the {field} field \"{text}\" is not a whole number");
        return null;
    }
}
