using System.Globalization;
using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.OperationsConsole.Pages;
using Microsoft.Extensions.DependencyInjection;
using ContestPipeline.OperationsConsole.Rendering;
using ContestPipeline.Operations.Queries;
using ContestPipeline.Operations.Queries.Alerts;
using ContestPipeline.Operations.Queries.Audit;
using ContestPipeline.Operations.Queries.Contests;
using ContestPipeline.Operations.Queries.Payouts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using static ContestPipeline.OperationsConsole.Rendering.Html;

namespace ContestPipeline.OperationsConsole.Pages;

/// <summary>
/// Contests: the list with filters, a contest's page (timeline, standings, money, rejections and refunds, hashes,
/// make-goods), define, cancel, and the audit export.
/// </summary>
public static class ContestPages
{
    public static readonly string[] States =
        ["SCHEDULED", "LOCKED", "LIVE", "COMPLETE", "SETTLED", "PAID", "CANCELLED"];

    public static void Map(RouteGroupBuilder app)
    {
        MapList(app);
        MapDefine(app);
        MapContest(app);
        MapCancel(app);
        MapMakeGoods(app);
        MapAuditExport(app);
    }

    /// <summary>The contests, filtered by state or a search, a page at a time.</summary>
    private static void MapList(RouteGroupBuilder app)
    {
        app.MapGet("/contests", async (HttpContext c, Ui ui, ContestReadStore q, string? state, string? q2,
            int? page) =>
        {
            var p = Math.Max(0, page ?? 0);
            var rows = await q.ContestsAsync(Blank(state), Blank(q2), p);
            var options = string.Concat(States.Select(s => $"<option{(s == state ? " selected" : "")}>{s}</option>"));
            var filters = $"""
                <form method="get" class="filters">State
                <select name="state"><option value="">any</option>{options}</select>
                Search <input name="q2" value="{Encode(q2)}"> <button>Filter</button></form>
                """;
            var table = Table(["Contest", "Title", "Kind", "State", "Entries", "Entry fee", "Locks at", "Since"],
                rows.Select(r => new[]
                {
                    Link("/contests/" + Url(r.ContestId), r.ContestId), Encode(r.Title), Encode(r.Kind), Badge(r.State),
                    Number(r.EntryCount), r.EntryFeeMinor is { } fee ? Amount(fee, r.Currency) : "", Time(r.LockAt),
                    Time(r.StateAt),
                }), "contests");
            var define = Ui.Can(c, OperatorRoles.Admin) ? "<p><a href=\"/contests/new\">Define a contest</a></p>" : "";
            return ui.Page(c, "Contests", define + filters + table + Pager(c, p, rows.Count));
        });
    }

    /// <summary>Defining a contest (admins): the form, and publishing what it defines.</summary>
    private static void MapDefine(RouteGroupBuilder app)
    {
        app.MapGet("/contests/new", (HttpContext c, Ui ui) =>
            Ui.Can(c, OperatorRoles.Admin)
                ? ui.Page(c, "Define a contest", DefineForm(c, ui, null))
                : ui.Forbidden(c, OperatorRoles.Admin));

        app.Action("/contests/new", async (HttpContext c, Ui ui, Decisions d) =>
        {
            if (!Ui.Can(c, OperatorRoles.Admin)) return ui.Forbidden(c, OperatorRoles.Admin);
            var form = await c.Request.ReadFormAsync();
            var (definition, reasons) = ContestForm.Read(form, d.Now);
            if (definition is null || reasons.Count > 0)
                return ui.Page(c, "Define a contest",
                    "<div class=\"error\"><p>The contest was not defined:</p><ul id=\"reasons\">" +
                    string.Concat(reasons.Select(r => $"<li>{Encode(r)}</li>")) + "</ul></div>" +
                    DefineForm(c, ui, form),
                    StatusCodes.Status400BadRequest);
            // One operator's seal: a definition that needs two is sealed with cpctl (contests seal, then define).
            if (ContestLimits.SealsNeeded(definition) > 1)
                return ui.Page(c, "Define a contest",
                    "<div class=\"error\"><p>The contest was not defined:</p><ul id=\"reasons\"><li>a guaranteed pool "
                    + $"above {Encode(Money.Format(ContestLimits.GuaranteedMinorOneOperatorMax, definition.Currency))} "
                    + "needs two operators' seals: one seals the file with <code>cpctl contests seal FILE</code>, "
                    + "the other defines it with <code>cpctl contests define FILE</code></li></ul></div>"
                    + DefineForm(c, ui, form),
                    StatusCodes.Status400BadRequest);
            var hash = DefinitionSeals.Hash(definition)[..12];
            await d.PublishAsync(Topics.Contests, definition.ContestId, $"def:{definition.ContestId}:{hash}",
                d.Seal(definition), c.RequestAborted);
            var id = Decisions.DecisionId(form);
            await d.AuditAsync(c, id, "contest-define", definition.ContestId, definition.Title, "published on contests",
                c.RequestAborted);
            return ui.Done(c, "Contest defined",
                $"Contest {definition.ContestId} was sent to Ingestion, which schedules it or refuses it with every "
                    + "reason (an alert).",
                "/contests/" + Url(definition.ContestId));
        });
    }

    /// <summary>A contest's page.</summary>
    private static void MapContest(RouteGroupBuilder app)
    {
        app.MapGet("/contests/{id}", async (HttpContext c, Ui ui, ContestReadStore q, PayoutReadStore payoutStore,
            AuditReadStore auditStore, AlertReadStore alertStore, string id) =>
        {
            var contest = await q.ContestAsync(id);
            if (contest is null)
                return ui.Page(c, "No such contest",
                    $"<p class=\"error\">No contest {Encode(id)} in the read model.</p>",
                    StatusCodes.Status404NotFound);
            return ui.Page(c, $"Contest {id}",
                await ContestBodyAsync(c, ui, q, payoutStore, auditStore, alertStore, contest));
        });
    }

    /// <summary>
    /// Cancelling a contest not yet COMPLETE, live or not (admins). One with paid entries is cancelled by a second,
    /// different admin's cancel while the first one's still counts (Ingestion's two-person rule): the page says who
    /// has asked and what Ingestion waits for.
    /// </summary>
    private static void MapCancel(RouteGroupBuilder app)
    {
        app.Action("/contests/{id}/cancel", async (HttpContext c, Ui ui, ContestReadStore q, Decisions d, string id) =>
        {
            if (!Ui.Can(c, OperatorRoles.Admin)) return ui.Forbidden(c, OperatorRoles.Admin);
            var form = await c.Request.ReadFormAsync();
            var reason = form["reason"].ToString().Trim();
            var contest = await q.ContestAsync(id);
            var problems = new List<string>();
            if (reason.Length == 0) problems.Add("a reason is required");
            if (contest is null) problems.Add($"no contest {id}");
            else if (!ContestCancel.Allowed(contest.State)) problems.Add(ContestCancel.Refusal(id, contest.State));
            if (problems.Count > 0) return ui.Problem(c, "Not cancelled", problems);
            var decision = Decisions.DecisionId(form);
            await d.PublishAsync(Topics.Contests, id, $"cancel:{id}:{decision}",
                new ContestCancelRequested(id, reason, Ui.Name(c), d.Now), c.RequestAborted);
            await d.AuditAsync(c, decision, "contest-cancel", id, reason, "published on contests", c.RequestAborted);
            var next = contest!.EntryCount > 0
                ? $"It has {contest.EntryCount} paid entries: nothing is refunded until a second, different operator "
                    + "cancels it too. " + ContestCancel.TwoPersons
                : ContestCancel.TwoPersons;
            return ui.Done(c, "Cancel requested", $"Cancel of {id} sent. {next}", "/contests/" + Url(id));
        });
    }

    /// <summary>Make-goods: one approver proposes, a second, different one confirms.</summary>
    private static void MapMakeGoods(RouteGroupBuilder app)
    {
        app.Action("/contests/{id}/make-goods/{report:int}/propose", async (HttpContext c, Ui ui, ContestReadStore q,
            Decisions d, string id, int report) =>
        {
            if (!Ui.Can(c, OperatorRoles.Approver)) return ui.Forbidden(c, OperatorRoles.Approver);
            var form = await c.Request.ReadFormAsync();
            var reason = form["reason"].ToString().Trim();
            var assessed = (await q.MakeGoodsAsync(id)).FirstOrDefault(m => m.CorrectionsSoFar == report);
            if (reason.Length == 0 || assessed is null)
                return ui.Problem(c, "Not proposed",
                    [reason.Length == 0 ? "a reason is required" : $"no assessment {report} for {id}"]);
            var a = JsonSerializer.Deserialize<MakeGoodsAssessed>(assessed.Assessment, OutgoingMessage.Json)!;
            var decision = Decisions.DecisionId(form);
            var seal = d.SealMakeGood(id, TermsOf(decision, id, a));
            await d.PublishAsync(Topics.Operations, id, MakeGoodProposed.MessageIdFor(decision),
                new MakeGoodProposed(decision, id, report, a.TotalMinor, a.Currency, Ui.Name(c), reason, d.Now, seal),
                c.RequestAborted);
            await d.AuditAsync(c, decision, "make-good-propose", id, reason,
                $"proposed {a.TotalMinor} {a.Currency} for report {report}", c.RequestAborted);
            return ui.Done(c, "Make-goods proposed",
                "Proposed; a second approver must confirm before anything is booked.", "/contests/" + Url(id));
        });

        app.Action("/contests/{id}/make-goods/confirm/{proposal}", async (HttpContext c, Ui ui, ContestReadStore q,
            Decisions d, string id, string proposal) =>
        {
            if (!Ui.Can(c, OperatorRoles.Approver)) return ui.Forbidden(c, OperatorRoles.Approver);
            var form = await c.Request.ReadFormAsync();
            var reason = form["reason"].ToString().Trim();
            var p = (await q.MakeGoodsAsync(id)).FirstOrDefault(m => m.ProposalId == proposal);
            var problems = new List<string>();
            if (reason.Length == 0) problems.Add("a reason is required");
            if (p is null) problems.Add($"no proposal {proposal} for {id}");
            else if (string.Equals(p.ProposedBy, Ui.Name(c), StringComparison.OrdinalIgnoreCase))
                problems.Add("you proposed it: a second, different approver must confirm");
            var a = p is null ? null
                : JsonSerializer.Deserialize<MakeGoodsAssessed>(p.Assessment, OutgoingMessage.Json)!;
            var terms = a is null ? null : TermsOf(proposal, id, a);
            // What the page showed is what is confirmed: a proposal changed since is confirmed from a fresh page.
            if (terms is not null && form["terms"].ToString() is { Length: > 0 } shown && shown != terms)
                problems.Add($"proposal {proposal} changed since the page was shown: reload it and check it");
            if (problems.Count > 0) return ui.Problem(c, "Not confirmed", problems);
            var decision = Decisions.DecisionId(form);
            await d.PublishAsync(Topics.Operations, id, MakeGoodConfirmed.MessageIdFor(decision),
                new MakeGoodConfirmed(decision, id, proposal, Ui.Name(c), reason, d.Now, a!.TotalMinor, a.Currency,
                    terms, d.SealMakeGood(id, terms!)),
                c.RequestAborted);
            await d.AuditAsync(c, decision, "make-good-confirm", id, reason, $"confirmed proposal {proposal}",
                c.RequestAborted);
            return ui.Done(c, "Make-goods confirmed",
                "Confirmed; Settlement books each make-good once and Payout pays it like a prize.",
                "/contests/" + Url(id));
        });
    }

    /// <summary>A contest's audit trail as JSON lines, the export itself audited.</summary>
    private static void MapAuditExport(RouteGroupBuilder app)
    {
        app.MapGet("/contests/{id}/audit.jsonl", async (HttpContext c, NpgsqlDataSource db, Decisions d, string id) =>
        {
            await using var conn = await db.OpenConnectionAsync(c.RequestAborted);
            var lines = await AuditExportStore.LinesAsync(conn, id, c.RequestAborted);
            if (lines.Count == 0) return Results.NotFound($"no contest {id}");
            await d.AuditAsync(c, Guid.NewGuid().ToString("N"), "audit-export", id, "", $"{lines.Count} lines",
                c.RequestAborted);
            return Results.File(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"),
                "application/x-ndjson", $"audit-{id}.jsonl");
        });
    }

    /// <summary>
    /// The top ten of the final standings; before they exist, of the newest live ones (the leaders as Scoring last
    /// ranked them, with their version and time).
    /// </summary>
    private static async Task<string> StandingsSectionAsync(ContestReadStore q, string id)
    {
        var standings = await q.TopStandingsAsync(id, 10);
        var live = standings.Count > 0 ? null : await q.LiveStandingsAsync(id);
        if (live is not null)
            standings = [.. live.Rows.Take(10)
                .Select(r => new StandingView(r.Rank, r.EntryId, r.PlayerId, r.ScoreMilli))];
        var title = live is null ? "Top standings"
            : $"Live standings <small id=\"live-standings\">version {Number(live.Version)} of "
                + $"{Number(live.EntryCount)} entries, as of {Time(live.ComputedAt)}</small>";
        return $"<h2>{title}</h2>" + Table(["Rank", "Entry", "Player", "Score"], standings.Select(s => new[]
        {
            Number(s.Rank), Encode(s.EntryId), Link("/players/" + Url(s.PlayerId), s.PlayerId),
            Encode((s.ScoreMilli / 1000m).ToString("0.000", CultureInfo.InvariantCulture)),
        }), "standings");
    }

    private static async Task<string> ContestBodyAsync(HttpContext c, Ui ui, ContestReadStore q,
        PayoutReadStore payoutStore, AuditReadStore auditStore, AlertReadStore alertStore, ContestRow contest)
    {
        var id = contest.ContestId;
        var timeline = await q.TimelineAsync(id);
        var standings = await StandingsSectionAsync(q, id);
        var payouts = await payoutStore.ContestPayoutsAsync(id);
        var rejections = await q.RejectionsAsync(id);
        var refunds = await q.RefundsAsync(id);
        var makeGoods = await q.MakeGoodsAsync(id);
        var (entryCount, fees) = await q.EntryTotalsAsync(id);
        var cur = contest.Currency;
        var settled = contest.Settled is null ? null
            : JsonSerializer.Deserialize<ContestSettled>(contest.Settled, OutgoingMessage.Json);
        var paidOnStripe = payouts.Where(p => p.State == "paid").Sum(p => p.NetMinor - p.ReversedMinor);
        var sponsor = contest.Definition is null ? null
            : JsonSerializer.Deserialize<ContestDefined>(contest.Definition, OutgoingMessage.Json)?.Pool?.Sponsor;
        var money = Table(["", "Amount"],
        [
            ["Entries", Number(entryCount)], ["Entry fees", Amount(settled?.EntryFeesMinor ?? fees, cur)],
            ["Rake", settled is null ? "" : Amount(settled.RakeMinor, cur)],
            [sponsor is null ? "Overlay (platform)" : $"Overlay (sponsor {Encode(sponsor)})",
                settled is null ? "" : Amount(settled.OverlayMinor, cur)],
            ["House take", settled is null ? "" : Amount(settled.HouseTakeMinor, cur)],
            ["Pool", settled is null ? "" : Amount(settled.PoolMinor, cur)],
            ["Prizes (net)", settled is null ? "" : Amount(settled.PrizesNetMinor, cur)],
            ["Fees on prizes", settled is null ? "" : Amount(settled.PlatformFeesMinor, cur)],
            ["Payouts", Number(payouts.Count)],
            ["Paid on Stripe", Amount(paidOnStripe, cur)],
            ["Refunded", Amount(refunds.Where(r => r.State == "refunded").Sum(r => r.AmountMinor), cur)],
        ], "money-table");
        var actions = await CancelSectionAsync(c, ui, auditStore, alertStore, contest);
        return $"""
            <p>{Badge(contest.State)} {Encode(contest.Title)} · {Encode(contest.Kind)} · locks {Time(contest.LockAt)}
            · {Encode(contest.StateReason)}
            · <a href="/contests/{Url(id)}/audit.jsonl" id="audit-export">Audit export (JSON lines)</a>
            · <a href="/payouts?contest={Url(id)}">Payouts</a></p>
            <h2>Hashes</h2>{Table(["", "Hash"], [["Entries", Encode(contest.EntriesHash)],
                ["Final standings", Encode(contest.StandingsHash)], ["Inputs", Encode(contest.InputsHash)]], "hashes")}
            <div class="grid2"><div><h2>Money</h2>{money}</div>
            <div>{standings}</div></div>
            <h2>Timeline</h2>{Table(["At", "What", ""],
                timeline.Select(t => new[] { Time(t.At), Badge(t.Kind, t.Kind), Encode(t.Summary) }), "timeline")}
            <h2>Payouts</h2>{Table(["Payout", "Kind", "Rank", "Player", "Gross", "Fee", "Net", "State", "Why"],
                payouts.Select(p => new[]
                {
                    Link("/payouts/" + Url(p.PayoutId), p.PayoutId), Encode(p.Kind), Number(p.Rank), Encode(p.PlayerId),
                    Amount(p.GrossMinor, p.Currency), Amount(p.FeeMinor, p.Currency), Amount(p.NetMinor, p.Currency),
                    Badge(p.State + (p.HoldKind is null ? "" : ":" + p.HoldKind), p.State), Encode(p.Reason),
                }), "payouts")}
            <h2>Rejections</h2>{Table(["At", "Submission", "Player", "Payment", "Reason", "Refund"],
                rejections.Select(r => new[]
                {
                    Time(r.At), Encode(r.SubmissionId), Encode(r.PlayerId), Encode(r.PaymentIntentId), Encode(r.Reason),
                    Encode(r.RefundId),
                }), "rejections")}
            <h2>Refunds</h2>{Table(["Refund", "Player", "Amount", "State", "Reason", "Ordered", "Resolved"],
                refunds.Select(r => new[]
                {
                    Link("/payouts/" + Url(r.RefundId), r.RefundId), Encode(r.PlayerId),
                    Amount(r.AmountMinor, r.Currency), Badge(r.State), Encode(r.Reason), Time(r.OrderedAt),
                    Time(r.ResolvedAt),
                }), "refunds")}
            {MakeGoodsSection(c, ui, id, makeGoods)}
            {actions}
            """;
    }

    /// <summary>
    /// Who has asked to cancel the contest and what Ingestion says it waits for (a second operator, or a request that
    /// expired), and the cancel form for an admin while the contest can still be cancelled.
    /// </summary>
    private static async Task<string> CancelSectionAsync(HttpContext c, Ui ui, AuditReadStore auditStore,
        AlertReadStore alertStore, ContestRow contest)
    {
        var id = contest.ContestId;
        var asked = await auditStore.SubjectAuditAsync(id, "contest-cancel");
        var waiting = contest.State == "CANCELLED" ? []
            : await alertStore.SubjectAlertsAsync(id, "cancel_awaits_second_operator");
        var html = asked.Count == 0 ? "" : "<h2>Cancel requests</h2><ul id=\"cancel-requests\">"
            + string.Concat(asked.Select(a =>
                $"<li>{Time(a.At)} {Encode(a.Operator)} ({Encode(a.Tool)}): {Encode(a.Reason)}</li>"))
            + "</ul>";
        if (waiting.Count > 0)
            html += "<div id=\"cancel-awaits\" class=\"warning\">"
                + string.Concat(waiting.Select(w => $"<p>{Encode(w.Message)}</p>")) + "</div>";
        if (Ui.Can(c, OperatorRoles.Admin) && ContestCancel.Allowed(contest.State))
            html += "<h2>Cancel</h2>" + ui.Form(c, $"/contests/{Url(id)}/cancel",
                "<input name=\"reason\" placeholder=\"why cancel (required)\" size=\"50\" required>",
                "Cancel contest (every entry refunded)");
        return html;
    }

    private static string MakeGoodsSection(HttpContext c, Ui ui, string id, List<MakeGoodView> rows)
    {
        if (rows.Count == 0) return "";
        var html = "<h2>Make-goods after corrections</h2>";
        foreach (var group in rows.GroupBy(r => r.CorrectionsSoFar))
        {
            var a = JsonSerializer.Deserialize<MakeGoodsAssessed>(group.First().Assessment, OutgoingMessage.Json)!;
            html += $"<h3>Correction report {a.CorrectionsSoFar}: {Encode(a.Note)}</h3>" + Table(
                ["Entry", "Player", "Official rank", "Corrected rank", "Official net", "Corrected net", "Make-good"],
                a.Items.Select(i => new[]
                {
                    Encode(i.EntryId), Encode(i.PlayerId), Number(i.OfficialRank), Number(i.CorrectedRank),
                    Amount(i.OfficialNetMinor, a.Currency), Amount(i.CorrectedNetMinor, a.Currency),
                    Amount(i.MakeGoodMinor, a.Currency),
                }));
            var proposals = group.Where(g => g.ProposalId is not null).ToList();
            foreach (var p in proposals)
            {
                html += $"<p>Proposed by {Encode(p.ProposedBy)}: {Encode(p.ProposalReason)}. "
                    + (p.ConfirmedBy is not null ? $"Confirmed by {Encode(p.ConfirmedBy)}.</p>"
                        : "Awaiting a second approver.</p>");
                if (p.ConfirmedBy is null && Ui.Can(c, OperatorRoles.Approver)
                    && !string.Equals(p.ProposedBy, Ui.Name(c), StringComparison.OrdinalIgnoreCase))
                    html += ui.Form(c, $"/contests/{Url(id)}/make-goods/confirm/{Url(p.ProposalId!)}",
                        $"<input type=\"hidden\" name=\"terms\" value=\"{Encode(TermsOf(p.ProposalId!, id, a))}\">" +
                        "<input name=\"reason\" placeholder=\"why (required)\" required>", "Confirm make-goods");
            }
            if (proposals.Count == 0 && a.Complete && a.Items.Count > 0 && Ui.Can(c, OperatorRoles.Approver))
                html += ui.Form(c, $"/contests/{Url(id)}/make-goods/{a.CorrectionsSoFar}/propose",
                    "<input name=\"reason\" placeholder=\"why (required)\" required>",
                    $"Propose these make-goods ({new Money(a.TotalMinor, Currency.Parse(a.Currency))}, "
                        + "platform-funded)");
        }
        return html;
    }

    private static string TermsOf(string proposalId, string contestId, MakeGoodsAssessed a) =>
        MakeGoodTerms.Of(proposalId, contestId, a.CorrectionsSoFar, a.TotalMinor, a.Currency, a.Items);

    private static string DefineForm(HttpContext c, Ui ui, IFormCollection? form)
    {
        string V(string name, string fallback = "") => form?[name].ToString() is { Length: > 0 } v ? v : fallback;
        var now = c.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var example = JsonSerializer.Serialize(ContestForm.Example(now),
            new JsonSerializerOptions(OutgoingMessage.Json) { WriteIndented = true });
        var lockAt = now.AddDays(1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var prizeTables = string.Concat(PrizeTableKinds.All.Order(StringComparer.Ordinal)
            .Select(k => $"<option{Sel(V("prizeTable", "top_three_weighted"), k)}>{k}</option>"));
        return $"""
            <p class="muted">Fill in the form, or paste a whole definition as JSON (it then takes precedence).
            Ingestion validates it again and schedules it or refuses it with every reason.</p>
            <form method="post" action="/contests/new" id="define">{ui.Token(c)}<input type="hidden" name="decisionId"
              value="{Guid.NewGuid():N}">
            <div class="grid2"><div>
            <p><label>Contest id <input name="contestId" value="{Encode(V("contestId"))}"></label></p>
            <p><label>Title <input name="title" size="40" value="{Encode(V("title"))}"></label></p>
            <p><label>Kind <select name="kind"><option{Sel(V("kind"), "fantasy")}>fantasy</option>
              <option{Sel(V("kind"), "fitness")}>fitness</option></select></label>
               <label>Currency <input name="currency" size="4" value="{Encode(V("currency", "USD"))}"></label></p>
            <p><label>Entry fee (minor units) <input name="entryFeeMinor"
              value="{Encode(V("entryFeeMinor", "1000"))}"></label></p>
            <p><label>Entries min <input name="minEntries" size="5" value="{Encode(V("minEntries", "2"))}"></label>
               <label>max <input name="maxEntries" size="6" value="{Encode(V("maxEntries", "100"))}"></label>
               <label>per player <input name="maxEntriesPerPlayer" size="3"
                 value="{Encode(V("maxEntriesPerPlayer", "1"))}"></label></p>
            <p><label>Locks at (UTC, ISO 8601) <input name="lockAt" value="{Encode(V("lockAt", lockAt))}"></label></p>
            <p><label>Games (comma-separated ids) <input name="gameIds" size="40"
              value="{Encode(V("gameIds"))}"></label></p>
            <p><label>Scoring rules (one "stat=points per unit in thousandths" a line)<br><textarea name="scoringRules"
              rows="3">{Encode(V("scoringRules", "yards=40\ntouchdowns=6000"))}</textarea></label></p>
            <p><label>Lineup size <input name="lineupSize" size="3" value="{Encode(V("lineupSize", "2"))}"></label></p>
            <p><label>Prize table <select name="prizeTable">{prizeTables}</select></label>
               <label>percentages (bp, comma-separated, custom only) <input name="percentagesBp"
                 value="{Encode(V("percentagesBp"))}"></label></p>
            <p><label>Pool <select name="poolMode"><option{Sel(V("poolMode"), "rake")}>rake</option>
              <option{Sel(V("poolMode"), "guaranteed")}>guaranteed</option></select></label>
               <label>rake bp <input name="rakeBp" size="5" value="{Encode(V("rakeBp", "1000"))}"></label>
               <label>guaranteed (minor) <input name="guaranteedMinor" size="8"
                 value="{Encode(V("guaranteedMinor", "0"))}"></label>
               <label>sponsor (funds the overlay; blank: the platform) <input name="sponsor" size="12"
                 value="{Encode(V("sponsor"))}"></label></p>
            <p><label>Platform fee on prizes (bp) <input name="platformFeeBp" size="5"
              value="{Encode(V("platformFeeBp", "300"))}"></label>
               <label>Correction window (minutes) <input name="statCorrectionWindowMinutes" size="5"
                 value="{Encode(V("statCorrectionWindowMinutes", "0"))}"></label></p>
            </div><div>
            <p><label>Or paste a definition (JSON, as on the contests topic)<br><textarea name="json" id="json"
              rows="28" placeholder="{Encode(example)}">{Encode(V("json"))}</textarea></label></p>
            </div></div><p><button id="define-button">Define contest</button></p></form>
            """;
    }

    private static string Sel(string value, string option) => value == option ? " selected" : "";

    public static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    public static string Pager(HttpContext c, int page, int count)
    {
        string To(int p)
        {
            var query = c.Request.Query.Where(kv => kv.Key != "page")
                .Select(kv => $"{Url(kv.Key)}={Url(kv.Value.ToString())}").Append($"page={p}");
            return c.Request.Path + "?" + string.Join("&", query);
        }
        return "<p class=\"muted\">" + (page > 0 ? Link(To(page - 1), "← previous") + " " : "") + $"page {page + 1}" +
               (count >= ReadStore.PageSize ? " " + Link(To(page + 1), "next →") : "") + "</p>";
    }
}
