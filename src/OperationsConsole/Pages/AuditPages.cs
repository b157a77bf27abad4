using ContestPipeline.OperationsConsole.Pages;
using ContestPipeline.OperationsConsole.Rendering;
using ContestPipeline.Operations.Queries.Audit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static ContestPipeline.OperationsConsole.Rendering.Html;

namespace ContestPipeline.OperationsConsole.Pages;

/// <summary>
/// The audit log: every operator action, console and cpctl, with who, role, when, why and what came of it.
/// </summary>
public static class AuditPages
{
    public static void Map(RouteGroupBuilder app) =>
        app.MapGet("/audit", async (HttpContext c, Ui ui, AuditReadStore q, int? page) =>
        {
            var p = Math.Max(0, page ?? 0);
            var rows = await q.AuditAsync(p);
            return ui.Page(c, "Audit log",
                Table(["At", "Operator", "Role", "Tool", "Action", "Subject", "Why", "Outcome"],
                    rows.Select(a => new[]
                    {
                        Time(a.At), Encode(a.Operator), Encode(a.Role), Encode(a.Tool), Encode(a.Action),
                        Encode(a.Subject), Encode(a.Reason), Encode(a.Outcome),
                    }), "audit")
                + ContestPages.Pager(c, p, rows.Count));
        });
}
