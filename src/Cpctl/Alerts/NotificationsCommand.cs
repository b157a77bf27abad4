using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using ContestPipeline.Operations.Queries.Notifications;

namespace ContestPipeline.Cpctl.Alerts;

/// <summary>
/// cpctl notifications: what the notification sender delivered, what it is still retrying and what
/// it dead-lettered, from its delivery log (never SQL by hand).
/// </summary>
public static class NotificationsCommand
{
    public static readonly string[] States = ["pending", "delivered", "dead_lettered"];

    public static Command Build()
    {
        var state = new Option<string?>("--state")
        {
            Description = "only deliveries in this state: " + string.Join(", ", States),
        };
        var page = new Option<int>("--page")
        {
            Description = "page of 50 deliveries (from 0)", DefaultValueFactory = _ => 0,
        };
        var command = new Command("notifications",
            "notifications delivered, being retried and dead-lettered: operators' email, players' webhooks")
        {
            state, page,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(state), parse.GetValue(page), ct));
        return command;
    }

    public static async Task<int> RunAsync(string? state, int page, CancellationToken ct)
    {
        if (state is not null && !States.Contains(state, StringComparer.Ordinal))
        {
            await Console.Error.WriteLineAsync(
                $"notifications: --state '{state}' is not one of {string.Join(", ", States)}");
            return 2;
        }
        await using var tool = await OperatorTool.OpenAsync("notifications");
        if (tool is null) return 2;
        var q = new DeliveryReadStore(tool.ReadModel);
        var counts = new Table().AddColumns("channel", "state", "deliveries");
        foreach (var (channel, s, count) in await q.CountsAsync())
            counts.AddRow(channel, s, count.ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(counts);
        var rows = await q.DeliveriesAsync(state, page);
        var list = new Table().AddColumns("requested", "delivery", "channel", "recipient", "kind", "state", "attempts",
            "next / delivered", "last error");
        foreach (var d in rows)
            list.AddRow(Stamp(d.RequestedAt), Markup.Escape(d.DeliveryId), d.Channel, Markup.Escape(d.Recipient),
                Markup.Escape(d.Kind), d.State, d.Attempts.ToString(CultureInfo.InvariantCulture),
                d.DeliveredAt is { } at ? Stamp(at) : d.State == "pending" ? Stamp(d.NextAttemptAt) : "",
                Markup.Escape(d.LastError ?? ""));
        AnsiConsole.Write(list);
        Console.WriteLine($"page {page + 1}: {rows.Count} deliveries"
            + (rows.Count == DeliveryReadStore.PageSize ? $" (more: --page {page + 1})" : ""));
        ct.ThrowIfCancellationRequested();
        return 0;
    }

    private static string Stamp(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z";
}
