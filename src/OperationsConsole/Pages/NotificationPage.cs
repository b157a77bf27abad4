using ContestPipeline.Operations.Queries.Notifications;
using ContestPipeline.OperationsConsole.Rendering;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static ContestPipeline.OperationsConsole.Rendering.Html;

namespace ContestPipeline.OperationsConsole.Pages;

/// <summary>
/// Notifications: the notification sender's delivery log, by channel and state, and the latest
/// deliveries (all, or one state: <c>dead_lettered</c> are those that never reached anyone).
/// </summary>
public static class NotificationPage
{
    public static void Map(RouteGroupBuilder app) => app.MapGet("/notifications",
        async (HttpContext c, Ui ui, DeliveryReadStore q, string? state, int? page) =>
        {
            var p = Math.Max(0, page ?? 0);
            var counts = await q.CountsAsync();
            var deliveries = await q.DeliveriesAsync(ContestPages.Blank(state), p);
            var byState = Table(["Channel", "State", "Deliveries"], counts.Select(r => new[]
            {
                Encode(r.Channel), Link("/notifications?state=" + Url(r.State), r.State), Number(r.Count),
            }), "delivery-counts");
            var latest = Table(["Requested", "Channel", "Recipient", "Kind", "State", "Attempts", "Next attempt",
                "Delivered", "Last error"], deliveries.Select(d => new[]
            {
                Time(d.RequestedAt), Encode(d.Channel), Encode(d.Recipient), Encode(d.Kind), Badge(d.State),
                Number(d.Attempts), d.DeliveredAt is null ? Time(d.NextAttemptAt) : "", Time(d.DeliveredAt),
                Encode(d.LastError),
            }), "deliveries");
            var title = state is null ? "Latest deliveries" : "Deliveries " + Encode(state);
            return ui.Page(c, "Notifications", $"""
                <h2>By channel and state</h2>{byState}
                <h2>{title}</h2>{latest}{ContestPages.Pager(c, p, deliveries.Count)}
                """);
        });
}
