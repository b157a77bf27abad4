using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.OperationsConsole.Pages;
using ContestPipeline.OperationsConsole.Rendering;
using ContestPipeline.Operations.Queries.Payouts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static ContestPipeline.OperationsConsole.Rendering.Html;

namespace ContestPipeline.OperationsConsole.Pages;

/// <summary>
/// Payouts: the approval queue (held and failed, by kind) with release and reject, each with a
/// required reason; a release above the two-person amount needs a second, different approver
/// (Payout enforces it too). Each payout's and refund's full history. The emergency stop.
/// </summary>
public static class PayoutPages
{
    public static void Map(RouteGroupBuilder app)
    {
        app.MapGet("/payouts", async (HttpContext c, Ui ui, PayoutReadStore q, ConsoleOptions o,
            string? state, string? hold, string? contest, string? player, int? page) =>
        {
            var held = await q.HeldAsync();
            var p = Math.Max(0, page ?? 0);
            var all = await q.PayoutsAsync(ContestPages.Blank(state), ContestPages.Blank(hold),
                ContestPages.Blank(contest), ContestPages.Blank(player), p);
            var queue = string.Concat(held.GroupBy(h => h.HoldKind ?? h.State).Select(g =>
                $"<h3>{Encode(g.Key)} ({g.Count()})</h3>" + Table(
                ["Payout", "Contest", "Player", "Amount", "Why", "Approvals", "Decide"], g.Select(h => new[]
                {
                    Link("/payouts/" + Url(h.PayoutId), h.PayoutId), Link("/contests/" + Url(h.ContestId), h.ContestId),
                    Encode(h.PlayerId), Amount(h.NetMinor, h.Currency),
                    Encode(h.Reason), Approvals(h, o), Decide(c, ui, h, o),
                }), "queue-" + (g.Key ?? "failed"))));
            var filters = $"""
                <form method="get" class="filters">State <input name="state" size="10" value="{Encode(state)}">
                Hold <input name="hold" size="10" value="{Encode(hold)}">
                Contest <input name="contest" value="{Encode(contest)}">
                Player <input name="player" value="{Encode(player)}">
                <button>Filter</button></form>
                """;
            var list = Table(["Payout", "Kind", "Contest", "Player", "Net", "State", "Why", "Paid"],
                all.Select(r => new[]
                {
                    Link("/payouts/" + Url(r.PayoutId), r.PayoutId), Encode(r.Kind), Encode(r.ContestId),
                    Encode(r.PlayerId), Amount(r.NetMinor, r.Currency),
                    Badge(r.State + (r.HoldKind is null ? "" : ":" + r.HoldKind), r.State), Encode(r.Reason),
                    Time(r.PaidAt),
                }), "payouts");
            var body = $"""
                <h2>Emergency stop</h2>{DashboardPage.DispatchPanel(c, ui, await q.DispatchAsync())}
                <h2>Approval queue</h2><p class="muted">A release above {Amount(o.SecondApprovalAboveMinor, o.Currency)}
                needs two different approvers. A reason is required for every decision.</p>
                {(held.Count == 0 ? "<p class=\"muted\" id=\"queue-empty\">nothing held</p>" : queue)}
                <h2>All payouts</h2>{filters}{list}{ContestPages.Pager(c, p, all.Count)}
                """;
            return ui.Page(c, "Payouts", body);
        });

        app.MapGet("/payouts/{id}", (HttpContext c, Ui ui, PayoutReadStore q, ConsoleOptions o, string id) =>
            PayoutPageAsync(c, ui, q, o, id));
        app.Action("/payouts/{id}/release", (HttpContext c, Ui ui, PayoutReadStore q, Decisions d, ConsoleOptions o,
            string id) => DecideAsync(c, ui, q, d, o, id, PayoutReviewDecided.Release));
        app.Action("/payouts/{id}/reject", (HttpContext c, Ui ui, PayoutReadStore q, Decisions d, ConsoleOptions o,
            string id) => DecideAsync(c, ui, q, d, o, id, PayoutReviewDecided.Reject));
        app.Action("/payouts/halt", (HttpContext c, Ui ui, Decisions d) =>
            DispatchAsync(c, ui, d, PayoutDispatchDecided.Halt));
        app.Action("/payouts/resume", (HttpContext c, Ui ui, Decisions d) =>
            DispatchAsync(c, ui, d, PayoutDispatchDecided.Resume));
    }

    /// <summary>One payout or refund: what it is, where it stands, who decided, every step of its history.</summary>
    private static async Task<IResult> PayoutPageAsync(HttpContext c, Ui ui, PayoutReadStore q, ConsoleOptions o,
        string id)
    {
        var payout = await q.PayoutAsync(id);
        var history = await q.HistoryAsync(id);
        if (payout is null && history.Count == 0)
            return ui.Page(c, "No such payout", $"<p class=\"error\">No payout or refund {Encode(id)}.</p>", 404);
        var head = payout is null ? "" : Table(["", ""],
        [
            ["Contest", Link("/contests/" + Url(payout.ContestId), payout.ContestId)],
            ["Entry", Encode(payout.EntryId)],
            ["Player", Link("/players/" + Url(payout.PlayerId), payout.PlayerId)],
            ["Kind", Encode(payout.Kind)], ["Rank", Number(payout.Rank)],
            ["Gross / fee / net", $"{Amount(payout.GrossMinor, payout.Currency)} / "
                + $"{Amount(payout.FeeMinor, payout.Currency)} / {Amount(payout.NetMinor, payout.Currency)}"],
            ["State", Badge(payout.State + (payout.HoldKind is null ? "" : ":" + payout.HoldKind), payout.State)
                + " " + Encode(payout.Reason)],
            ["Transfer", Encode(payout.TransferId)], ["Approvals", Approvals(payout, o)],
            ["Decide", Decide(c, ui, payout, o)],
        ], "payout");
        var table = Table(["At", "Event", "State", "Hold", "Operator", "Amount", "Why"], history.Select(h => new[]
        {
            Time(h.At), Encode(h.Event), Encode(h.State), Encode(h.HoldKind), Encode(h.Operator),
            h.AmountMinor is { } a ? Amount(a, h.Currency) : "", Encode(h.Reason),
        }), "history");
        return ui.Page(c, $"Payout {id}", head + "<h2>History (every step, append-only)</h2>" + table);
    }

    private static string Approvals(PayoutView p, ConsoleOptions o) =>
        p.NetMinor <= o.SecondApprovalAboveMinor ? "one approver" :
        p.Approvals == 0 ? "needs 2 approvers" : $"1 of 2: approved by {Encode(p.ApprovedBy)}; needs a second approver";

    /// <summary>
    /// What a decision names as the hold it decides, as Payout reads it: the hold kind of a held payout, otherwise its
    /// state.
    /// </summary>
    private static string Hold(PayoutView p) => p.State == PayoutStatusNames.Held ? p.HoldKind ?? "" : p.State;

    /// <summary>The hold and version the form was shown with (the read model's now, for a form without them).</summary>
    private static (string Hold, int Version) Seen(IFormCollection form, PayoutView p) =>
        (form["hold"].ToString() is { Length: > 0 } hold ? hold : Hold(p),
            int.TryParse(form["version"].ToString(), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : p.Version);

    private static string Decide(HttpContext c, Ui ui, PayoutView p, ConsoleOptions o)
    {
        if (p.State is not (PayoutStatusNames.Held or PayoutStatusNames.Failed or PayoutStatusNames.AwaitingAccount))
            return "";
        if (!Ui.Can(c, OperatorRoles.Approver)) return "<span class=\"muted\">approvers decide</span>";
        // The decision names the hold and version the operator sees here;
        // Payout refuses it if the payout moved on since.
        var reason = "<input name=\"reason\" placeholder=\"reason (required)\" required>"
            + $"<input type=\"hidden\" name=\"hold\" value=\"{Encode(Hold(p))}\">"
            + $"<input type=\"hidden\" name=\"version\" value=\"{p.Version}\">";
        var mine = p.Approvals > 0 && string.Equals(p.ApprovedBy, Ui.Name(c), StringComparison.OrdinalIgnoreCase);
        var release = mine ? "<span class=\"muted\">you approved; a second approver must release</span>"
            : ui.Form(c, $"/payouts/{Url(p.PayoutId)}/release", reason,
                p.NetMinor > o.SecondApprovalAboveMinor && p.Approvals == 0 ? "Approve release (1 of 2)" : "Release");
        return release + ui.Form(c, $"/payouts/{Url(p.PayoutId)}/reject", reason, "Reject");
    }

    private static async Task<IResult> DecideAsync(HttpContext c, Ui ui, PayoutReadStore q, Decisions d,
        ConsoleOptions o, string id, string decision)
    {
        if (!Ui.Can(c, OperatorRoles.Approver)) return ui.Forbidden(c, OperatorRoles.Approver);
        var form = await c.Request.ReadFormAsync();
        var reason = form["reason"].ToString().Trim();
        var payout = await q.PayoutAsync(id);
        var problems = new List<string>();
        if (reason.Length == 0) problems.Add("a reason is required");
        if (payout is null) problems.Add($"no payout {id}");
        else if (payout.State is not (PayoutStatusNames.Held or PayoutStatusNames.Failed
                     or PayoutStatusNames.AwaitingAccount))
            problems.Add($"payout {id} is {payout.State}: there is nothing to {decision}");
        else if (decision == PayoutReviewDecided.Release && payout.Approvals > 0
            && string.Equals(payout.ApprovedBy, Ui.Name(c), StringComparison.OrdinalIgnoreCase))
            problems.Add("you approved this release already; a second, different approver must release it");
        if (problems.Count > 0) return ui.Problem(c, $"Not {decision}d", problems);
        var decisionId = Decisions.DecisionId(form);
        var body = new PayoutReviewDecided(decisionId, id, payout!.ContestId, decision, Ui.Name(c), reason, d.Now,
            Seen(form, payout).Hold, Seen(form, payout).Version);
        await d.PublishAsync(Topics.PayoutsDue, payout.ContestId, PayoutReviewDecided.MessageIdFor(decisionId),
            body, c.RequestAborted);
        var two = decision == PayoutReviewDecided.Release && payout.NetMinor > o.SecondApprovalAboveMinor;
        var outcome = two && payout.Approvals == 0 ? "first approval of two published" : $"{decision} published";
        await d.AuditAsync(c, decisionId, "payout-" + decision, id, reason, outcome, c.RequestAborted);
        return ui.Done(c, decision == PayoutReviewDecided.Release ? "Release sent" : "Rejection sent",
            two && payout.Approvals == 0
                ? $"Your approval of {id} is recorded; a second approver must release it too "
                    + "(Payout releases it only with two)."
                : $"The {decision} of {id} was sent; Payout applies it and reports on payouts.status.", "/payouts");
    }

    private static async Task<IResult> DispatchAsync(HttpContext c, Ui ui, Decisions d, string action)
    {
        if (!Ui.Can(c, OperatorRoles.Admin)) return ui.Forbidden(c, OperatorRoles.Admin);
        var form = await c.Request.ReadFormAsync();
        var reason = form["reason"].ToString().Trim();
        if (reason.Length == 0) return ui.Problem(c, "Not sent", ["a reason is required"]);
        // A resume ends the halt the operator saw in force, and only that one (Payout refuses it otherwise).
        var ends = action == PayoutDispatchDecided.Resume ? form["halt"].ToString().Trim() : null;
        if (ends is "")
            return ui.Problem(c, "Not sent",
                ["the resume names no halt: reload the page and resume the halt in force"]);
        var decisionId = Decisions.DecisionId(form);
        await d.PublishAsync(Topics.PayoutsControl, PayoutDispatchDecided.Key,
            PayoutDispatchDecided.MessageIdFor(decisionId),
            new PayoutDispatchDecided(decisionId, action, Ui.Name(c), reason, d.Now, ends), c.RequestAborted);
        await d.AuditAsync(c, decisionId, "payouts-" + action, ends is null ? "payouts" : "halt " + ends, reason,
            action + " published", c.RequestAborted);
        return ui.Done(c, action == PayoutDispatchDecided.Halt ? "Halt sent" : "Resume sent",
            action == PayoutDispatchDecided.Halt
                ? "Payout stops starting transfers and refunds within seconds (a call in flight completes) "
                    + "and says so on payouts.status."
                : $"Payout resumes automated transfers and refunds if halt {ends} is still the one in force.",
            "/payouts");
    }
}
