using ContestPipeline.Ingestion.Contests;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Microsoft.Playwright;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.WebConsole;

/// <summary>
/// A LIVE contest with paid entries cancelled from the console, in a real browser against the shared console stack:
/// one admin's cancel refunds nothing and the contest's page says a second operator must cancel too; the same admin
/// cancelling again changes nothing; a second admin's cancel after the first request expired (its recorded time
/// moved back past the 24 h lifetime) changes nothing either, and the page says which request expired; once both
/// requests count, the contest is CANCELLED and every paid entry refunded exactly once, on Stripe and in the read
/// model, its accounts close in the ledger, and the trail names both admins.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleCancelTests(ConsoleFixture f)
{
    private const string Contest = "rainout", Game = "ro1";
    private static readonly string[] Players = ["kim", "lou", "max"];

    [Fact]
    public async Task
        Two_admins_cancel_a_live_paid_contest_refunding_each_entry_once_one_admin_or_a_stale_request_is_not_enough()
    {
        var stack = f.Stack;
        var paid = await LiveContestWithPaidEntriesAsync(stack);

        // root's cancel: recorded, announced as waiting for a second operator; nothing refunded.
        var root = await f.SignInAsync(ConsoleFixture.Admin);
        var first = await CancelAsync(root, "stadium flooded");
        Assert.Contains("nothing is refunded until a second, different operator cancels it too",
            await root.Locator("#done").InnerTextAsync());
        await stack.WaitAsync(async () => await AwaitingAlertsAsync(stack) == 1,
            "Ingestion's alert: the cancel awaits a second operator");
        await ProcessedAsync(stack, first);
        await root.GotoAsync("/contests/" + Contest);
        Assert.Contains("a second, different operator must also cancel it within 24 h",
            await root.Locator("#cancel-awaits").InnerTextAsync());
        Assert.Contains("root", await root.Locator("#cancel-requests").InnerTextAsync());
        await f.ShotAsync(root, "contest-cancel-awaits");

        // root again: the same operator twice is one operator.
        await ProcessedAsync(stack, await CancelAsync(root, "really, flooded"));
        await NotCancelledAsync(stack, paid);

        // root's request is now more than a day old (its recorded time moved back): cat's cancel alone does not apply.
        await stack.ScalarAsync<int>("""
            UPDATE ingestion.cancel_approvals SET requested_at = requested_at - interval '25 hours'
            WHERE contest_id = @Contest AND operator = 'root' RETURNING 1
            """, new { Contest });
        var cat = await f.SignInAsync(ConsoleFixture.Cat);
        await ProcessedAsync(stack, await CancelAsync(cat, "agreed: flooded"));
        await NotCancelledAsync(stack, paid);
        await stack.WaitAsync(async () => await AwaitingAlertsAsync(stack) == 2, "the alert for cat's cancel");
        await cat.GotoAsync("/contests/" + Contest);
        Assert.Contains("expired unanswered and no longer counting: root's request",
            await cat.Locator("#cancel-awaits").InnerTextAsync());

        // root asks anew while cat's request counts: the contest is cancelled, and every paid entry refunded once.
        await CancelAsync(root, "still flooded");
        await AssertCancelledAndEachEntryRefundedOnceAsync(stack, paid);
        await AssertThePageAndTheTrailNameBothAdminsAsync(stack, cat);
    }

    private static async Task AssertCancelledAndEachEntryRefundedOnceAsync(OperationsStack stack, string[] paid)
    {
        await stack.WaitAsync(async () => await stack.ReadModelStateAsync(Contest) == "CANCELLED",
            $"{Contest} CANCELLED", 120);
        await stack.WaitAsync(async () => await stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.refunds WHERE payment_intent_id = ANY(@paid) AND state = 'refunded'",
            new { paid }) == paid.Length,
            "every refund made, in the read model", 120);
        var refunds = stack.Stripe.Ledger().Refunds.Where(r => paid.Contains(r.PaymentIntent)).ToList();
        Assert.Equal(paid.Order(StringComparer.Ordinal),
            refunds.Select(r => r.PaymentIntent).Order(StringComparer.Ordinal));
        Assert.All(refunds, r => Assert.Equal(Fee, r.Amount));
        Assert.Equal(paid.Length, await stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.refunds WHERE payment_intent_id = ANY(@paid)", new { paid }));
        Assert.Equal(paid.Length, await stack.ScalarAsync<long>(
            "SELECT count(*) FROM payout.refunds WHERE payment_intent_id = ANY(@paid)", new { paid }));
        // In the ledger: the contest's accounts closed (every fee refunded), and the book balanced.
        Assert.Equal("CANCELLED", await stack.LedgerClosedAsync(Contest));
    }

    private async Task AssertThePageAndTheTrailNameBothAdminsAsync(OperationsStack stack, IPage cat)
    {
        await cat.GotoAsync("/contests/" + Contest);
        Assert.Contains("CANCELLED", await cat.Locator("main p").First.InnerTextAsync());
        Assert.Contains("cancel requested by cat and root", await cat.Locator("#timeline").InnerTextAsync());
        var requests = await cat.Locator("#cancel-requests").InnerTextAsync();
        Assert.Contains("root", requests);
        Assert.Contains("cat", requests);
        Assert.Equal(0, await cat.Locator("form[action$='/cancel']").CountAsync());
        await f.ShotAsync(cat, "contest-cancelled");
        // The audit trail: root's three cancels and cat's one, each signed in as themselves.
        await stack.WaitAsync(async () => await stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.audit WHERE action = 'contest-cancel' AND subject = @Contest",
            new { Contest }) == 4,
            "the four cancels in the audit trail");
        await using var conn = await stack.DataSource.OpenConnectionAsync();
        Assert.Equal(["cat", "root", "root", "root"], (await conn.QueryAsync<string>(
            "SELECT operator FROM operations.audit WHERE action = 'contest-cancel' AND subject = @Contest "
            + "ORDER BY operator", new { Contest })).ToList());
    }

    /// <summary>A contest LIVE with three paid entries; their payment intents.</summary>
    private static async Task<string[]> LiveContestWithPaidEntriesAsync(OperationsStack stack)
    {
        stack.World.Schedule(Game, 1, DateTimeOffset.UtcNow.AddMinutes(10), "qb1", "rb1", "wr1");
        await stack.WaitAsync(async () => await stack.ScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM ingestion.games WHERE game_id = @Game)", new { Game }), $"{Game} scheduled");
        stack.World.Define(Fantasy(Contest, DateTimeOffset.UtcNow.AddSeconds(10), [Game]));
        await stack.WaitAsync(async () => await stack.ReadModelStateAsync(Contest) == "SCHEDULED",
            $"{Contest} SCHEDULED");
        var paid = Players.Select(player =>
        {
            var intent = stack.World.Pay(Contest, player, Fee);
            stack.World.Submit(Entry($"s-{Contest}-{player}", Contest, player, intent, "qb1", "rb1"));
            return intent;
        }).ToArray();
        await stack.WaitAsync(async () => await stack.ReadModelStateAsync(Contest) == "LOCKED", $"{Contest} LOCKED");
        stack.World.Start(Game, 2);
        stack.World.Stat(Game, 3, "qb1", "passing_yards", 120);
        await stack.WaitAsync(async () => await stack.ReadModelStateAsync(Contest) == "LIVE", $"{Contest} LIVE");
        Assert.Equal(paid.Length, await stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.entries WHERE contest_id = @Contest", new { Contest }));
        return paid;
    }

    /// <summary>Cancels from the contest's page with a reason; the id of the message the console sent.</summary>
    private static async Task<string> CancelAsync(IPage page, string reason)
    {
        await page.GotoAsync("/contests/" + Contest);
        var form = page.Locator("form[action$='/cancel']");
        var decision = await form.Locator("input[name=decisionId]").GetAttributeAsync("value");
        await form.Locator("input[name=reason]").FillAsync(reason);
        await form.Locator("button").ClickAsync();
        await page.Locator("#done").WaitForAsync();
        return $"cancel:{Contest}:{decision}";
    }

    /// <summary>Waits until Ingestion has handled the message (its inbox holds it).</summary>
    private static Task ProcessedAsync(OperationsStack stack, string messageId) =>
        stack.WaitAsync(async () => await stack.ScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM ingestion.inbox WHERE message_id = @messageId)", new { messageId }),
            $"Ingestion handling {messageId}");

    private static async Task<long> AwaitingAlertsAsync(OperationsStack stack) =>
        await stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.alerts WHERE code = 'cancel_awaits_second_operator' "
            + "AND subject = @Contest", new { Contest });

    /// <summary>The cancel has not applied: Ingestion still takes entries, and nothing is refunded.</summary>
    private static async Task NotCancelledAsync(OperationsStack stack, string[] paid)
    {
        Assert.NotEqual(EntriesLifecycle.Name(EntriesState.Cancelled), await stack.ScalarAsync<string>(
            "SELECT status FROM ingestion.contests WHERE contest_id = @Contest", new { Contest }));
        Assert.Equal("LIVE", await stack.ReadModelStateAsync(Contest));
        Assert.DoesNotContain(stack.Stripe.Ledger().Refunds, r => paid.Contains(r.PaymentIntent));
        Assert.Equal(0L, await stack.ScalarAsync<long>(
            "SELECT count(*) FROM payout.refunds WHERE payment_intent_id = ANY(@paid)", new { paid }));
    }
}
