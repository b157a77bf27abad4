using ContestPipeline.OperationsConsole.Pages;
using ContestPipeline.OperationsConsole.Rendering;
using ContestPipeline.Operations.Queries.StripeEvents;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static ContestPipeline.OperationsConsole.Rendering.Html;

namespace ContestPipeline.OperationsConsole.Pages;

/// <summary>
/// Webhooks: Stripe's events per type, what Payout made of them, failures, and the last received time.
/// </summary>
public static class WebhookPage
{
    public static void Map(RouteGroupBuilder app) => app.MapGet("/webhooks", async (HttpContext c, Ui ui,
        StripeEventReadStore q, string? type, int? page) =>
    {
        var p = Math.Max(0, page ?? 0);
        var types = await q.WebhookTypesAsync();
        var events = await q.StripeEventsAsync(ContestPages.Blank(type), p);
        var failures = await q.WebhookFailuresAsync();
        var body = $"""
            <p>Last event received: {(types.Count == 0 ? "none yet" : Time(types.Max(t => t.LastReceived)))}</p>
            <h2>By type</h2>{Table(["Type", "Received", "Acted on", "Not handled", "Last received"],
                types.Select(t => new[]
                {
                    Link("/webhooks?type=" + Url(t.Type), t.Type), Number(t.Received), Number(t.Handled),
                    Number(t.NotHandled), Time(t.LastReceived),
                }), "webhook-types")}
            <h2>Events{(type is null ? "" : " of type " + Encode(type))}</h2>{Table(
                ["Received", "Event", "Type", "Object", "Account", "Outcome"],
                events.Select(e => new[]
                {
                    Time(e.ReceivedAt), Encode(e.EventId), Encode(e.Type), Encode(e.ObjectId), Encode(e.Account),
                    Encode(e.Outcome ?? "(not yet handled)"),
                }), "webhook-events")}{ContestPages.Pager(c, p, events.Count)}
            <h2>Failures (dead letters and alerts about stripe.events)</h2>{Table(
                ["Raised", "Severity", "Code", "Message", "State"],
                failures.Select(a => new[]
                {
                    Time(a.RaisedAt), Badge(a.Severity), Encode(a.Code), Encode(a.Message), Badge(a.State),
                }), "webhook-failures")}
            """;
        return ui.Page(c, "Webhooks", body);
    });
}
