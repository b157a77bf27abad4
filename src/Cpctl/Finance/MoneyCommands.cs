using System.CommandLine;
using System.Globalization;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing;
using Spectre.Console;
using ContestPipeline.Operations.Queries;
using ContestPipeline.Operations.Queries.Balance;
using ContestPipeline.Operations.Queries.Payouts;
using ContestPipeline.Operations.Queries.Players;
using ContestPipeline.Operations.Queries.StripeEvents;

namespace ContestPipeline.Cpctl.Finance;

/// <summary>
/// cpctl at parity with the console's money pages, reading the operations read model only:
/// the balance monitor with its trend (balance), players' earnings and payouts (players), the
/// tax year as CSV with the reporting flag (tax), and Stripe's events with what became of them
/// (stripe-events). Make-goods are <see cref="MakeGoodsCommand"/>'s.
/// </summary>
public static class MoneyCommands
{
    public static Command BuildBalance()
    {
        var count = new Option<int>("--snapshots")
        {
            Description = "how many of the latest snapshots to list", DefaultValueFactory = _ => 24,
        };
        var balance = new Command("balance",
            "the platform's Stripe balance against obligations: level, reserve, trend, latest snapshots")
        {
            count,
        };
        balance.SetAction((parse, ct) => BalanceAsync(parse.GetValue(count), ct));
        return balance;
    }

    public static Command BuildPlayers()
    {
        var search = new Option<string?>("--search") { Description = "player id contains" };
        var page = new Option<int>("--page") { Description = "page of 50 (from 0)", DefaultValueFactory = _ => 0 };
        var list = new Command("list", "players with entries or payouts") { search, page };
        list.SetAction((parse, ct) => ListPlayersAsync(parse.GetValue(search), parse.GetValue(page), ct));
        var playerId = new Argument<string>("player-id");
        var show = new Command("show", "a player's earnings per contest and per year, and every payout") { playerId };
        show.SetAction((parse, ct) => ShowPlayerAsync(parse.GetValue(playerId)!, ct));
        var players = new Command("players", "players' earnings and payouts, and their responsible-gaming limits")
        {
            list, show,
        };
        foreach (var limits in Players.PlayersCommand.Commands()) players.Subcommands.Add(limits);
        return players;
    }

    public static Command BuildTax()
    {
        var year = new Option<int?>("--year") { Description = "calendar year (UTC); default: this year" };
        var output = new Option<string?>("--out") { Description = "CSV file to write (default tax-year-<year>.csv)" };
        var by = OperatorTool.OperatorOption("who exports (recorded in the audit trail)");
        var tax = new Command("tax",
            "prizes paid per recipient in a tax year, as CSV, flagged at the reporting threshold")
        {
            year, output, by,
        };
        tax.SetAction((parse, ct) => TaxAsync(parse.GetValue(year), parse.GetValue(output), parse.GetValue(by)!, ct));
        return tax;
    }

    // Not "webhooks": that is the receiver's name (deployable, producer, ACLs); this is a view of what it received.
    public static Command BuildStripeEvents()
    {
        var type = new Option<string?>("--type") { Description = "only events of this type (e.g. transfer.created)" };
        var page = new Option<int>("--page")
        {
            Description = "page of 50 events (from 0)", DefaultValueFactory = _ => 0,
        };
        var events = new Command("stripe-events",
            "Stripe's events per type, what Payout made of them, failures, the last received")
        {
            type, page,
        };
        events.SetAction((parse, ct) => StripeEventsAsync(parse.GetValue(type), parse.GetValue(page), ct));
        return events;
    }

    // ---- balance -------------------------------------------------------------------------------

    public static async Task<int> BalanceAsync(int count, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("balance");
        if (tool is null) return 2;
        var options = BalanceMonitorOptions.Read(null);
        var q = new BalanceReadStore(tool.ReadModel);
        var snapshots = await q.SnapshotsAsync(Math.Max(count, 1_000));
        var obligations = await q.ObligationsAsync(options.Currency);
        var last = snapshots.LastOrDefault();
        if (last is null)
        {
            Console.WriteLine(
                "no balance snapshot yet: the operations worker takes one at start and every snapshot interval");
            return 0;
        }
        var trend = BalanceTrend.Of([.. snapshots.Select(s => new BalanceReading(s.TakenAt, s.AvailableMinor))],
            last.TakenAt, options);
        Console.WriteLine($"level      {last.Status} (at {Stamp(last.TakenAt)})");
        Console.WriteLine($"available  {Amount(last.AvailableMinor, last.Currency)}   " +
            $"pending {Amount(last.PendingMinor, last.Currency)}");
        Console.WriteLine($"owed now   {Amount(obligations, options.Currency)}   " +
            $"reserve (1.2x) {Amount(BalanceStatus.Reserve(obligations), options.Currency)}");
        Console.WriteLine("trend      " + Describe(trend, last.Currency));
        Console.WriteLine($"levels     depleted <= 0; " +
            $"critical < {Amount(options.CriticalBelowMinor, options.Currency)} or 50% of the reserve; " +
            $"warning < {Amount(options.WarningBelowMinor, options.Currency)} or 80%; " +
            $"healthy >= {Amount(options.HealthyFromMinor, options.Currency)} and 100%; " +
            "low in between");
        var table = new Table().AddColumns(
            "taken", "available", "pending", "obligations", "reserve", "level", "change/day", "days to empty");
        foreach (var s in snapshots.AsEnumerable().Reverse().Take(count))
            table.AddRow(Stamp(s.TakenAt), Amount(s.AvailableMinor, s.Currency), Amount(s.PendingMinor, s.Currency),
                Amount(s.ObligationsMinor, s.Currency),
                Amount(s.ReserveMinor, s.Currency), s.Status, s.ChangePerDayMinor is { } d ? Amount(d, s.Currency) : "",
                s.DaysToEmpty?.ToString(CultureInfo.InvariantCulture) ?? "");
        AnsiConsole.Write(table);
        return 0;
    }

    /// <summary>
    /// "falling 1,200.00 USD a day: empty in 6 days (41 snapshots over 168 hours)", or why there is none.
    /// </summary>
    public static string Describe(BalanceTrend? trend, string currency) => trend switch
    {
        null => "not enough snapshots yet",
        { ChangePerDayMinor: < 0 } t =>
            $"falling {Amount(-t.ChangePerDayMinor, currency)} a day: empty in {t.DaysToEmpty} days " + Over(t),
        var t => $"rising {Amount(t.ChangePerDayMinor, currency)} a day " + Over(t),
    };

    private static string Over(BalanceTrend t) =>
        string.Create(CultureInfo.InvariantCulture, $"({t.Readings} snapshots over {t.Span.TotalHours:0.#} hours)");

    // ---- players -------------------------------------------------------------------------------

    public static async Task<int> ListPlayersAsync(string? search, int page, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("players list");
        if (tool is null) return 2;
        var rows = await new PlayerReadStore(tool.ReadModel)
            .PlayersAsync(string.IsNullOrWhiteSpace(search) ? null : search, page);
        var table = new Table().AddColumns("player", "entries", "payouts");
        foreach (var (player, entries, payouts) in rows)
            table.AddRow(Markup.Escape(player), entries.ToString(CultureInfo.InvariantCulture),
                payouts.ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        Console.WriteLine($"page {page + 1}: {rows.Count} players" +
            $"{(rows.Count == ReadStore.PageSize ? $" (more: --page {page + 1})" : "")}");
        return 0;
    }

    public static async Task<int> ShowPlayerAsync(string playerId, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("players show");
        if (tool is null) return 2;
        var q = new PlayerReadStore(tool.ReadModel);
        var earnings = await q.EarningsAsync(playerId);
        var payouts = await new PayoutReadStore(tool.ReadModel).PayoutsAsync(null, null, null, playerId, 0);
        if (earnings.Count == 0 && payouts.Count == 0 &&
            (await q.PlayersAsync(playerId, 0)).All(p => p.PlayerId != playerId))
            return await OperatorTool.FailAsync("players show", $"no player {playerId} in the read model");
        Console.WriteLine($"player {playerId}");
        var perContest = new Table().AddColumns("contest", "won", "fees withheld", "paid", "pending");
        foreach (var e in earnings)
            perContest.AddRow(Markup.Escape(e.ContestId), Amount(e.WonMinor, e.Currency),
                Amount(e.FeesMinor, e.Currency), Amount(e.PaidMinor, e.Currency), Amount(e.PendingMinor, e.Currency));
        AnsiConsole.Write(perContest);
        var perYear = new Table().AddColumns("year (by when paid)", "won", "fees withheld", "paid", "pending");
        foreach (var g in earnings.GroupBy(e => (e.Year, e.Currency)).OrderBy(g => g.Key.Year))
            perYear.AddRow(g.Key.Year?.ToString(CultureInfo.InvariantCulture) ?? "not yet paid",
                Amount(g.Sum(e => e.WonMinor), g.Key.Currency), Amount(g.Sum(e => e.FeesMinor), g.Key.Currency),
                Amount(g.Sum(e => e.PaidMinor), g.Key.Currency), Amount(g.Sum(e => e.PendingMinor), g.Key.Currency));
        AnsiConsole.Write(perYear);
        var table = new Table().AddColumns("payout", "contest", "kind", "net", "state", "paid at");
        foreach (var p in payouts)
            table.AddRow(Markup.Escape(p.PayoutId), Markup.Escape(p.ContestId), Markup.Escape(p.Kind),
                Amount(p.NetMinor, p.Currency), Markup.Escape(p.State + (p.HoldKind is null ? "" : ":" + p.HoldKind)),
                p.PaidAt is { } at ? Stamp(at) : "");
        AnsiConsole.Write(table);
        return 0;
    }

    // ---- tax -----------------------------------------------------------------------------------

    public static async Task<int> TaxAsync(int? year, string? output, string @operator, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("tax", @operator);
        if (tool is null) return 2;
        var y = year ?? OperatorTool.Clock.GetUtcNow().Year;
        var threshold = Setting.Long(null, TaxReporting.ThresholdSetting, TaxReporting.ThresholdDefault,
            0, 10_000_000_000);
        var rows = await new PlayerReadStore(tool.ReadModel).TaxYearAsync(y);
        var path = output ?? $"tax-year-{y}.csv";
        await File.WriteAllTextAsync(path, TaxReporting.Csv(y, rows, threshold), ct);
        var reportable = rows.Count(r => TaxReporting.Reportable(r.PaidMinor, threshold));
        await tool.AuditAsync(@operator, OperatorTool.NewId(), "tax-export", y.ToString(CultureInfo.InvariantCulture),
            "", $"{rows.Count} recipients", ct);
        Console.WriteLine($"{rows.Count} recipients paid in {y}, {reportable} at or above the reporting threshold " +
            $"of {threshold} minor units; written to {path}");
        return 0;
    }

    // ---- stripe-events -------------------------------------------------------------------------

    public static async Task<int> StripeEventsAsync(string? type, int page, CancellationToken ct)
    {
        await using var tool = await OperatorTool.OpenAsync("stripe-events");
        if (tool is null) return 2;
        var q = new StripeEventReadStore(tool.ReadModel);
        var types = await q.WebhookTypesAsync();
        Console.WriteLine("last event received: " +
            (types.Count == 0 ? "none yet" : Stamp(types.Max(t => t.LastReceived))));
        var byType = new Table().AddColumns("type", "received", "acted on", "not handled", "last received");
        foreach (var t in types)
            byType.AddRow(Markup.Escape(t.Type), N(t.Received), N(t.Handled), N(t.NotHandled), Stamp(t.LastReceived));
        AnsiConsole.Write(byType);
        var events = await q.StripeEventsAsync(string.IsNullOrWhiteSpace(type) ? null : type, page);
        var list = new Table().AddColumns("received", "event", "type", "object", "account", "outcome");
        foreach (var e in events)
            list.AddRow(Stamp(e.ReceivedAt), Markup.Escape(e.EventId), Markup.Escape(e.Type),
                Markup.Escape(e.ObjectId ?? ""), Markup.Escape(e.Account ?? ""),
                Markup.Escape(e.Outcome ?? "(not yet handled)"));
        AnsiConsole.Write(list);
        Console.WriteLine($"page {page + 1}: {events.Count} events" +
            $"{(events.Count == ReadStore.PageSize ? $" (more: --page {page + 1})" : "")}");
        var failures = await q.WebhookFailuresAsync();
        Console.WriteLine($"failures (dead letters and alerts about stripe.events): {failures.Count}");
        foreach (var a in failures)
            Console.WriteLine($"  {Stamp(a.RaisedAt)} {a.Severity} {a.Code} {a.State}: {a.Message}");
        return 0;
    }

    // ---- formatting ----------------------------------------------------------------------------

    /// <summary>Minor units as Money prints them ("1,234.56 USD"), in integers.</summary>
    public static string Amount(long minor, string currency) =>
        Currency.TryParse(currency, out var c) ? new Money(minor, c).ToString() : $"{minor} {currency}";

    private static string Stamp(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z";

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
