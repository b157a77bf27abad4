using System.Net;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Tests.Operations;
using Microsoft.Playwright;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.WebConsole;

/// <summary>
/// The operations console in a real browser (Debian's Chromium driven by Playwright) against
/// the real pipeline: operators sign in, release a held prize with two approvers and watch the
/// contest go PAID, acknowledge and resolve an alert, halt and resume payouts (and Payout
/// honours it), download a tax year's CSV; a viewer cannot act, a form without its token or a
/// request without sign-in is refused, and an invalid contest shows every reason. Every page is
/// saved as a screenshot under TestResults/console-screenshots.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleBrowserTests(ConsoleFixture f)
{
    private const string Contest = ConsoleFixture.Contest;

    [Fact]
    public async Task Two_approvers_release_a_held_prize_with_reasons_and_the_contest_timeline_runs_through_PAID()
    {
        var held = await ReadModelReplayTests.HeldPayoutAsync(f.Stack);
        var ann = await f.SignInAsync(ConsoleFixture.Ann);
        await f.ShotAsync(ann, "dashboard");
        await ann.GotoAsync("/payouts");
        await f.ShotAsync(ann, "payouts-queue");
        var row = ann.Locator("#queue-review tr", new PageLocatorOptions { HasText = held });
        Assert.Contains("needs 2 approvers", await row.InnerTextAsync());

        // A release without a reason is refused by the form; with one, it is ann's approval, the first of two.
        await row.Locator("form[action$='/release'] input[name=reason]").FillAsync("checked the winner's history");
        await row.Locator("form[action$='/release'] button").ClickAsync();
        Assert.Contains("a second approver must release it too", await ann.Locator("#done").InnerTextAsync());
        await f.Stack.WaitAsync(async () => await f.Stack.ScalarAsync<int>(
            "SELECT approvals FROM operations.payouts WHERE payout_id = @held", new { held }) == 1,
            "ann's approval in the read model");
        await ann.GotoAsync("/payouts/" + held);
        Assert.Contains("approved by ann", await ann.Locator("#payout").InnerTextAsync());
        Assert.Contains("you approved; a second approver must release", await ann.Locator("#payout").InnerTextAsync());
        await f.ShotAsync(ann, "payout-first-approval");
        Assert.Equal("held", await f.Stack.ScalarAsync<string>(
            "SELECT state FROM payout.payouts WHERE payout_id = @held", new { held }));

        var bob = await f.SignInAsync(ConsoleFixture.Bob);
        await bob.GotoAsync("/payouts/" + held);
        await bob.Locator("form[action$='/release'] input[name=reason]").FillAsync("second approval: agreed");
        await bob.Locator("form[action$='/release'] button").ClickAsync();
        await bob.Locator("#done").WaitForAsync();
        await f.Stack.WaitAsync(async () => await f.Stack.ReadModelStateAsync(Contest) == "PAID",
            "the contest PAID in the read model", 120);

        await bob.GotoAsync("/contests");
        await f.ShotAsync(bob, "contests");
        await bob.GotoAsync("/contests/" + Contest);
        var timeline = await bob.Locator("#timeline").InnerTextAsync();
        foreach (var step in new[] { "SCHEDULED", "entry_accepted", "SCHEDULED → LOCKED", "LOCKED → LIVE",
            "LIVE → COMPLETE", "standings hash", "COMPLETE → SETTLED", "SETTLED → PAID" })
            Assert.Contains(step, timeline);
        var money = await bob.Locator("#money-table").InnerTextAsync();
        Assert.Contains("Pool", money);
        Assert.Contains("54.00", money);
        Assert.Contains("Paid on Stripe", money);
        Assert.Contains("ada", await bob.Locator("#standings").InnerTextAsync());
        await f.ShotAsync(bob, "contest");
        await bob.GotoAsync("/payouts/" + held);
        var history = await bob.Locator("#history").InnerTextAsync();
        Assert.Contains("release_approved", history);
        Assert.Contains("checked the winner's history", history);
        Assert.Contains("second approval: agreed", history);
        Assert.Contains("paid", history);
        await f.ShotAsync(bob, "payout-history");
    }

    [Fact]
    public async Task An_approver_acknowledges_and_resolves_an_alert_with_a_note()
    {
        await f.Stack.WaitAsync(async () => await f.Stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.alerts WHERE state = 'open'") > 0, "an open alert");
        var alertId = (await f.Stack.ScalarAsync<string>(
            "SELECT alert_id FROM operations.alerts WHERE state = 'open' ORDER BY raised_at LIMIT 1"))!;
        var ann = await f.SignInAsync(ConsoleFixture.Ann);
        await ann.GotoAsync("/alerts?state=open");
        await f.ShotAsync(ann, "alerts");
        var row = ann.Locator("#alerts tr",
            new PageLocatorOptions { Has = ann.Locator($"input[name=alertId][value='{alertId}']") }).First;
        await row.Locator("form[action='/alerts/ack'] input[name=note]").FillAsync("looking into it");
        await row.Locator("form[action='/alerts/ack'] button").ClickAsync();
        await ann.Locator("#done").WaitForAsync();
        await f.Stack.WaitAsync(async () => await f.Stack.ScalarAsync<string>(
            "SELECT state FROM operations.alerts WHERE alert_id = @alertId", new { alertId }) == "acknowledged",
            "the alert acknowledged");

        await ann.GotoAsync("/alerts?state=acknowledged");
        row = ann.Locator("#alerts tr",
            new PageLocatorOptions { Has = ann.Locator($"input[name=alertId][value='{alertId}']") }).First;
        Assert.Contains("ack ann", await row.InnerTextAsync());
        await row.Locator("form[action='/alerts/resolve'] input[name=note]").FillAsync("expected: a review hold");
        await row.Locator("form[action='/alerts/resolve'] button").ClickAsync();
        await ann.Locator("#done").WaitForAsync();
        await f.Stack.WaitAsync(async () => await f.Stack.ScalarAsync<string>(
            "SELECT state FROM operations.alerts WHERE alert_id = @alertId", new { alertId }) == "resolved",
            "the alert resolved");
        await ann.GotoAsync("/alerts?state=resolved");
        var text = await ann.Locator("#alerts").InnerTextAsync();
        Assert.Contains("resolved ann", text);
        Assert.Contains("expected: a review hold", text);
        await f.ShotAsync(ann, "alerts-resolved");
    }

    [Fact]
    public async Task An_admin_halts_and_resumes_automated_payouts_and_Payout_honours_it()
    {
        var admin = await f.SignInAsync(ConsoleFixture.Admin);
        await admin.GotoAsync("/");
        await admin.Locator("form[action='/payouts/halt'] input[name=reason]")
            .FillAsync("incident: bank file mismatch");
        await admin.Locator("form[action='/payouts/halt'] button").ClickAsync();
        await admin.Locator("#done").WaitForAsync();
        // Payout says it halted (PayoutDispatchChanged on payouts.status), and the read model shows it.
        await f.Stack.WaitAsync(async () => await f.Stack.ScalarAsync<bool>("SELECT halted FROM operations.dispatch"),
            "Payout reporting the halt");
        Assert.True(await f.Stack.ScalarAsync<bool>("SELECT halted FROM payout.dispatch"));

        // A refund ordered while halted is recorded by Payout and not sent.
        var payment = f.Stack.World.Pay(Contest, "latecomer", Fee);
        f.Stack.World.Submit(Entry("s-late", Contest, "latecomer", payment, "qb1", "rb1"));
        await f.Stack.WaitAsync(async () => await f.Stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.refunds WHERE payment_intent_id = @payment", new { payment }) == 1,
            "the refund order in the read model");
        await f.Stack.WaitAsync(async () => await f.Stack.ScalarAsync<long>(
            "SELECT count(*) FROM payout.refunds WHERE payment_intent_id = @payment", new { payment }) == 1,
            "the refund order in Payout");
        await admin.GotoAsync("/");
        Assert.Contains("halted", await admin.Locator("#dispatch").InnerTextAsync());
        Assert.Contains("incident: bank file mismatch", await admin.Locator("#dispatch").InnerTextAsync());
        await f.ShotAsync(admin, "dashboard-halted");
        Assert.Equal("waiting", await f.Stack.ScalarAsync<string>(
            "SELECT state FROM payout.refunds WHERE payment_intent_id = @payment", new { payment }));

        await admin.Locator("form[action='/payouts/resume'] input[name=reason]").FillAsync("incident closed");
        await admin.Locator("form[action='/payouts/resume'] button").ClickAsync();
        await admin.Locator("#done").WaitForAsync();
        await f.Stack.WaitAsync(async () => await f.Stack.ScalarAsync<string>(
            "SELECT state FROM operations.refunds WHERE payment_intent_id = @payment", new { payment }) == "refunded",
            "the refund made after the resume");
        Assert.False(await f.Stack.ScalarAsync<bool>("SELECT halted FROM operations.dispatch"));
        await admin.GotoAsync("/payouts");
        Assert.Contains("running", await admin.Locator("#dispatch").InnerTextAsync());
    }

    [Fact]
    public async Task Every_page_renders_and_a_tax_year_is_downloaded_as_CSV()
    {
        await f.Stack.WaitAsync(async () => await f.Stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.payouts WHERE state = 'paid'") >= 3, "paid prizes");
        var ann = await f.SignInAsync(ConsoleFixture.Ann);
        foreach (var (path, name) in new[]
        {
            ("/balance", "balance"), ("/webhooks", "webhooks"), ("/players", "players"), ("/players/bo", "player"),
            ("/audit", "audit-log"),
            ("/payouts", "payouts"), ("/contests", "contests-list"),
        })
        {
            var response = await ann.GotoAsync(path);
            Assert.Equal(200, response!.Status);
            await f.ShotAsync(ann, name);
        }
        Assert.Contains("transfer.created", await ann.GotoAsync("/webhooks")
            .ContinueWith(_ => ann.Locator("#webhook-types").InnerTextAsync()).Unwrap());
        await ann.GotoAsync("/audit");
        Assert.Contains("sign-in", await ann.Locator("#audit").InnerTextAsync());

        var year = DateTimeOffset.UtcNow.Year;
        await ann.GotoAsync($"/tax?year={year}");
        await f.ShotAsync(ann, "tax-year");
        var download = await ann.RunAndWaitForDownloadAsync(() => ann.ClickAsync("#tax-csv"));
        var path2 = Path.Combine(f.Screenshots, download.SuggestedFilename);
        await download.SaveAsAsync(path2);
        var lines = await File.ReadAllLinesAsync(path2);
        Assert.Equal("year,player_id,currency,paid_minor,fees_minor,payouts,reportable", lines[0]);
        Assert.Contains(lines, l => l.StartsWith($"{year},bo,USD,1571,49,1,", StringComparison.Ordinal));

        // The revenue report, as cpctl revenue gives it: the contest's line, the reconciliation, the CSV.
        await ann.GotoAsync("/revenue?by=contest");
        await f.ShotAsync(ann, "revenue-by-contest");
        Assert.Contains(ConsoleFixture.Contest, await ann.Locator("#revenue").InnerTextAsync());
        Assert.StartsWith("Reconciled", await ann.Locator("#reconciled").InnerTextAsync(), StringComparison.Ordinal);
        var revenue = await ann.RunAndWaitForDownloadAsync(() => ann.ClickAsync("#revenue-csv"));
        var revenuePath = Path.Combine(f.Screenshots, revenue.SuggestedFilename);
        await revenue.SaveAsAsync(revenuePath);
        var revenueLines = await File.ReadAllLinesAsync(revenuePath);
        Assert.Equal(
            "contest,currency,rake_minor,platform_fees_minor,house_take_minor,withheld_prizes_minor,overlay_minor,"
            + "dispute_costs_minor,net_minor,sponsor_spend_minor,processing_fees_minor",
            revenueLines[0]);
        Assert.Contains(revenueLines, l => l.StartsWith($"{ConsoleFixture.Contest},USD,", StringComparison.Ordinal));
        Assert.Equal(400, (await ann.GotoAsync("/revenue?by=week"))!.Status);
    }

    /// <summary>
    /// A contest that is LIVE shows who leads as Scoring last ranked them (its version, entries and time), before any
    /// final standings exist: the real pipeline, from the feed's stat to the page.
    /// </summary>
    [Fact]
    public async Task A_live_contest_shows_its_live_standings()
    {
        var s = f.Stack;
        const string contest = "live-page", game = "g-live";
        s.World.Schedule(game, 1, DateTimeOffset.UtcNow.AddMinutes(10), "qb1", "rb1", "wr1");
        await s.WaitAsync(async () => await s.ScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM ingestion.games WHERE game_id = @game)", new { game }), "the game scheduled");
        s.World.Define(Fantasy(contest, DateTimeOffset.UtcNow.AddSeconds(12), [game]));
        await s.WaitAsync(async () => await s.ReadModelStateAsync(contest) == "SCHEDULED", $"{contest} SCHEDULED");
        s.World.Submit(Entry("s-live-ada", contest, "ada", s.World.Pay(contest, "ada", Fee), ["qb1", "rb1"]));
        s.World.Submit(Entry("s-live-bo", contest, "bo", s.World.Pay(contest, "bo", Fee), ["rb1", "wr1"]));
        await s.WaitAsync(async () => await s.ReadModelStateAsync(contest) == "LOCKED", $"{contest} LOCKED");
        s.World.Start(game, 2);
        s.World.Stat(game, 3, "qb1", "passing_yards", 300);
        await s.WaitAsync(async () => await s.ScalarAsync<long>(
            "SELECT count(*) FROM operations.live_standings WHERE contest_id = @contest "
            + "AND leaders->0->>'playerId' = 'ada'",
            new { contest }) == 1, "ada leading in the read model's live standings");

        var vic = await f.SignInAsync(ConsoleFixture.Vic);
        await vic.GotoAsync($"/contests/{contest}");
        await f.ShotAsync(vic, "contest-live");
        Assert.Contains("of 2 entries, as of", await vic.Locator("#live-standings").InnerTextAsync());
        Assert.Contains("ada", await vic.Locator("#standings tbody tr").First.InnerTextAsync());
    }

    [Fact]
    public async Task An_approver_lowers_a_players_limit_at_once_and_a_raise_waits_while_a_viewer_only_reads_them()
    {
        var s = f.Stack;
        const string player = "lim-ivy";
        var ann = await f.SignInAsync(ConsoleFixture.Ann);
        async Task ChangeAsync(string daily, string reason)
        {
            await ann.GotoAsync($"/players/{player}");
            await ann.Locator("form.limits-form input[name=daily]").FillAsync(daily);
            await ann.Locator("form.limits-form input[name=reason]").FillAsync(reason);
            await ann.Locator("form.limits-form button").ClickAsync();
        }
        await ChangeAsync("2,500", "asked by phone");
        Assert.Contains("Ingestion applies it", await ann.Locator("#done").InnerTextAsync());
        await s.WaitAsync(async () => await s.ScalarAsync<long?>(
            "SELECT daily_minor FROM ingestion.player_limits WHERE player_id = @player", new { player }) == 2_500,
            "the lowered limit applied");
        await ChangeAsync("9000", "asked again");
        await s.WaitAsync(async () => await s.ScalarAsync<long?>(
            "SELECT raised_daily_minor FROM ingestion.player_limits WHERE player_id = @player",
            new { player }) == 9_000,
            "the raise recorded, waiting");
        await ChangeAsync("12a", "a typo");
        Assert.Contains("the daily field \"12a\" is not a whole number",
            await ann.Locator("#reasons").InnerTextAsync());

        var vic = await f.SignInAsync(ConsoleFixture.Vic);
        await vic.GotoAsync($"/players/{player}");
        await f.ShotAsync(vic, "player-limits");
        var limits = await vic.Locator("#player-limits").InnerTextAsync();
        Assert.Contains("Daily 2,500 (raise to 9,000 from", limits);
        Assert.Contains("not excluded", limits);
        Assert.Equal(2, await vic.Locator("#limit-changes tbody tr").CountAsync());
        Assert.Equal("operator ann", await s.ScalarAsync<string>(
            "SELECT string_agg(DISTINCT requested_by, ',') FROM ingestion.player_limit_requests "
            + "WHERE player_id = @player",
            new { player }));
        Assert.Equal(0, await vic.Locator("form.limits-form").CountAsync());
    }

    [Fact]
    public async Task A_viewer_sees_the_pages_but_cannot_act()
    {
        var vic = await f.SignInAsync(ConsoleFixture.Vic);
        await vic.GotoAsync("/payouts");
        Assert.Equal(0, await vic.Locator("form[action$='/release']").CountAsync());
        Assert.Equal(0, await vic.Locator("form[action='/payouts/halt']").CountAsync());
        await vic.GotoAsync("/alerts");
        Assert.Equal(0, await vic.Locator("form[action='/alerts/ack']").CountAsync());
        await f.ShotAsync(vic, "viewer-alerts");

        // Even with the page's own anti-forgery token, the action itself refuses a viewer.
        var token = await vic.Locator("input[name=__csrf]").First.GetAttributeAsync("value");
        var status = await vic.EvaluateAsync<int>("""
            async (token) => (await fetch('/payouts/halt', { method: 'POST',
                body: new URLSearchParams({ __csrf: token, reason: 'viewer tries', decisionId: '' }) })).status
            """, token);
        Assert.Equal(403, status);
        Assert.False(await f.Stack.ScalarAsync<bool>("SELECT halted FROM payout.dispatch"));
    }

    [Fact]
    public async Task Without_sign_in_or_without_the_anti_forgery_token_an_action_is_refused()
    {
        using var anonymous =
            new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = f.Console.Url };
        var get = await anonymous.GetAsync("/payouts");
        Assert.Equal(HttpStatusCode.Redirect, get.StatusCode);
        Assert.Contains("/signin", get.Headers.Location!.ToString(), StringComparison.Ordinal);
        var post = await anonymous.PostAsync("/payouts/halt",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["reason"] = "anonymous" }));
        Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);

        // Signed in, but posting without the token the console's form carries.
        var ann = await f.SignInAsync(ConsoleFixture.Admin);
        var status = await ann.EvaluateAsync<int>("""
            async () => (await fetch('/payouts/halt', { method: 'POST',
                body: new URLSearchParams({ reason: 'forged', decisionId: '' }) })).status
            """);
        Assert.Equal(400, status);
        var forged = await ann.EvaluateAsync<int>("""
            async () => (await fetch('/payouts/halt', { method: 'POST',
                body: new URLSearchParams({ __csrf: 'not-a-token', reason: 'forged' }) })).status
            """);
        Assert.Equal(400, forged);
        Assert.Equal(0L, await f.Stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.audit WHERE reason IN ('anonymous', 'forged')"));
        Assert.False(await f.Stack.ScalarAsync<bool>("SELECT halted FROM payout.dispatch"));
        await ann.GotoAsync("/signin");
        await f.ShotAsync(ann, "signin");
    }

    [Fact]
    public async Task An_invalid_contest_definition_shows_every_reason()
    {
        var admin = await f.SignInAsync(ConsoleFixture.Admin);
        await admin.GotoAsync("/contests/new");
        await f.ShotAsync(admin, "define-contest");
        await admin.FillAsync("#json", """
            {"contestId":"bad contest!","title":"","kind":"fantasy","currency":"XYZ","entryFeeMinor":-5,
             "minEntries":2,"maxEntries":10,"maxEntriesPerPlayer":1,"lockAt":"2020-01-01T00:00:00Z","gameIds":["g9"],
             "scoringRules":[{"stat":"yards","pointsPerUnitMilli":40}],"lineupSize":2,
             "prizeTable":{"kind":"custom_percentages","percentagesBp":[5000,4000]},
             "pool":{"mode":"rake","rakeBp":1000},"platformFeeBp":300}
            """);
        await admin.ClickAsync("#define-button");
        var reasons = await admin.Locator("#reasons li").AllInnerTextsAsync();
        await f.ShotAsync(admin, "define-contest-reasons");
        Assert.True(reasons.Count >= 5, "every reason listed: " + string.Join(" | ", reasons));
        Assert.Contains(reasons, r => r.Contains("currency", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("entryFeeMinor", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("lockAt", StringComparison.Ordinal));
        Assert.Contains(reasons,
            r => r.Contains("10,000", StringComparison.Ordinal) || r.Contains("100%", StringComparison.Ordinal));
        Assert.Null(await f.Stack.ReadModelStateAsync("bad contest!"));
    }
}
