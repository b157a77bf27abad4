using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Local.Processes;
using ContestPipeline.Operations.Queries.Players;
using ContestPipeline.Payout;
using ContestPipeline.PlayerApi.Links;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;
using Dapper;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// The winner's own view (issue 52, item 6), through the real components: the payout and read-model workers as
/// processes, the Stripe-compatible server over HTTP (its restricted keys enforced), Stripe's events back through the
/// webhook receiver, Postgres and the local broker, and the platform's read API as its own process and database role.
/// A login link to the Express dashboard is made by Payout on the read API's request; the statement shows the
/// account's balance and bank payouts as Payout last read them from Stripe.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class WinnerViewTests(PipelineFixture fixture)
{
    private static readonly Dictionary<string, string?> FastRetries = new()
    {
        [PayoutOptions.Settings.RetryDelayBaseMs] = "200",
        [PayoutOptions.Settings.LeaseMs] = "1000",
        [PayoutOptions.Settings.AccountRecheckMs] = "500",
        [PayoutOptions.Settings.RecipientPayoutSpacingSeconds] = "0",
    };

    private async Task<(ContestRun Run, LocalWebhooks Webhooks)> StartAsync(bool readModel)
    {
        var run = await ContestRun.StartEmptyAsync(fixture, 13);
        var webhooks = await LocalWebhooks.StartAsync(run.Swaps);
        run.Stripe.TopUp(1_000_000, "usd");
        run.StartWorker("payout", null, FastRetries);
        if (readModel) run.StartWorker("operations");
        return (run, webhooks);
    }

    /// <summary>
    /// A prize order as Settlement publishes it, after the entry fees and the authorization that cover it.
    /// </summary>
    private static PrizePayoutOrdered Publish(ContestRun run, string contest, string player, long net)
    {
        var order = new PrizePayoutOrdered($"prize_{contest}_{player}", contest, $"entry_{contest}_{player}", player, 1,
            net + net / 30, net / 30, net, "USD", null);
        PayoutHarness.Fund(run, order);
        var authorization = new ContestPayoutsAuthorized("test:" + order.PayoutId, contest, 1, net, "USD",
            DateTimeOffset.UtcNow);
        run.World.Publish(Topics.PayoutsDue, contest, ContestPayoutsAuthorized.MessageType,
            ContestPayoutsAuthorized.MessageIdFor(authorization.AuthorizationId), authorization);
        run.World.Publish(Topics.PayoutsDue, contest, PrizePayoutOrdered.MessageType, order.PayoutId, order);
        return order;
    }

    private static Task WaitForStateAsync(ContestRun run, string payoutId, string state) =>
        Eventually.UntilAsync(async () =>
        {
            await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
            return await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('payout.payouts') IS NOT NULL")
                ? await conn.QueryFirstOrDefaultAsync<string>(
                    "SELECT state FROM payout.payouts WHERE payout_id = @payoutId", new { payoutId })
                : null;
        }, s => s == state, $"payout {payoutId} {state}");

    private static async Task<(HttpStatusCode Status, JsonElement Body)> AskForLoginLinkAsync(HttpClient platform,
        string player)
    {
        using var response = await platform.PostAsync($"/recipients/{player}/login-link", null);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Fact]
    public async Task
        An_onboarded_winner_gets_a_fresh_dashboard_login_link_and_a_winner_still_onboarding_or_unknown_is_told_why_not()
    {
        var (run, webhooks) = await StartAsync(readModel: false);
        await using var stopRun = run;
        await using var stopWebhooks = webhooks;
        var ada = await run.World.SignUpForPayoutsAsync("ada");
        var paid = Publish(run, "c1", "ada", 2_619);
        var waiting = Publish(run, "c2", "cy", 524);
        await WaitForStateAsync(run, paid.PayoutId, PayoutStatusNames.Paid);
        await WaitForStateAsync(run, waiting.PayoutId, PayoutStatusNames.AwaitingAccount);
        await using var api = await LocalPlayerApi.StartAsync(run.Swaps);
        using var platform = api.Platform();

        using (var anonymous = new HttpClient { BaseAddress = api.Url })
            Assert.Equal(HttpStatusCode.Unauthorized,
                (await anonymous.PostAsync("/recipients/ada/login-link", null)).StatusCode);
        await TheTokenOfTheSignedInPlayerIsRequiredAsync(api);
        var (status, link) = await AskForLoginLinkAsync(platform, "ada");
        var (again, second) = await AskForLoginLinkAsync(platform, "ada");
        var url = link.GetProperty("url").GetString()!;
        using (var dashboard = new HttpClient())
            Assert.Equal(HttpStatusCode.OK, (await dashboard.GetAsync(url)).StatusCode);
        var (onboarding, notYet) = await AskForLoginLinkAsync(platform, "cy");
        var (unknown, nobody) = await AskForLoginLinkAsync(platform, "nobody");
        run.Stripe.InjectFault(new StripeFault(StripeFaultKind.Refused, "POST", $"/v1/accounts/{ada}/login_links"));
        var (refused, stripeSaid) = await AskForLoginLinkAsync(platform, "ada");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (status, again));
        Assert.Equal("ada", link.GetProperty("playerId").GetString());
        Assert.StartsWith(new Uri(run.Stripe.BaseUrl, $"_emulator/express/{ada}/").ToString(), url,
            StringComparison.Ordinal);
        Assert.NotEqual(url, second.GetProperty("url").GetString());
        Assert.Equal(HttpStatusCode.Conflict, onboarding);
        Assert.Contains("has not finished onboarding", notYet.GetProperty("error").GetString(),
            StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Contains("no connected account exists", nobody.GetProperty("error").GetString(),
            StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadGateway, refused);
        Assert.Contains("Stripe refused a login link", stripeSaid.GetProperty("error").GetString(),
            StringComparison.Ordinal);
        // Stripe was asked for ada's links only, each request under its own key: cy's and nobody's cost no call.
        var calls = run.Stripe.Requests()
            .Where(q => q.Path.EndsWith("/login_links", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, calls.Count);
        Assert.All(calls, q => Assert.Equal($"/v1/accounts/{ada}/login_links", q.Path));
        Assert.Equal(3, calls.Select(q => q.IdempotencyKey).Distinct().Count());
        // The links stay in Payout's table: no topic carries one.
        Assert.All(run.World.Read(Topics.PayoutsStatus), m =>
            Assert.DoesNotContain("_emulator/express", m.Body.GetRawText(), StringComparison.Ordinal));
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        Assert.Equal(0L, await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM payout.login_link_requests WHERE outcome IS NULL"));
    }

    /// <summary>
    /// The platform's token alone gets no link: each request carries the player's own, signed by the platform's
    /// sign-in for this API, for that player, short-lived and not expired. Refused requests reach neither Payout's
    /// table nor Stripe (the caller counts Stripe's calls).
    /// </summary>
    private static async Task TheTokenOfTheSignedInPlayerIsRequiredAsync(LocalPlayerApi api)
    {
        using var stolen = new HttpClient { BaseAddress = api.Url };
        stolen.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", api.Token);
        using var elsewhere = PlatformSignIn.Create();
        var now = DateTimeOffset.UtcNow;
        var forgeries = new (string? Token, string Why)[]
        {
            (null, "token (X-Player-Token) is required"),
            (api.SignIn.TokenFor("cy", now), "for another player, not 'ada'"),
            (api.SignIn.TokenFor("ada", now.AddMinutes(-10)), "expired at"),
            (api.SignIn.TokenFor("ada", now, TimeSpan.FromDays(30)), "at most 15 min"),
            (api.SignIn.TokenFor("ada", now.AddMinutes(5)), "not valid yet"),
            (api.SignIn.TokenFor("ada", now, audience: "another-api"), "not one the platform's sign-in signed"),
            (elsewhere.TokenFor("ada", now), "not one the platform's sign-in signed"),
            ("not.a.token", "not one the platform's sign-in signed"),
        };
        foreach (var (token, why) in forgeries)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/recipients/ada/login-link");
            if (token is not null) request.Headers.Add(PlayerTokens.Header, token);
            using var response = await stolen.SendAsync(request);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{why}: {(int)response.StatusCode} {body}");
            Assert.Contains(why, body.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_statement_shows_the_winners_balance_and_bank_payouts_as_Payout_last_read_them_from_Stripe()
    {
        var (run, webhooks) = await StartAsync(readModel: true);
        await using var stopRun = run;
        await using var stopWebhooks = webhooks;
        var ada = await run.World.SignUpForPayoutsAsync("ada");
        var order = Publish(run, "c1", "ada", 2_619);
        await WaitForStateAsync(run, order.PayoutId, PayoutStatusNames.Paid);
        await using var api = await LocalPlayerApi.StartAsync(run.Swaps);
        using var platform = api.Platform();
        async Task<PlayerStatement> StatementAsync() =>
            (await platform.GetFromJsonAsync<PlayerStatement>("/players/ada/statement", OutgoingMessage.Json))!;

        // The prize transfer asks for a read: the whole prize is in the account, and no bank payout yet.
        var afterPrize = await Eventually.UntilAsync(StatementAsync,
            s => s.Account is { Balances.Count: 1 }, "ada's account read after her prize");
        var fresh = Assert.IsType<StatementAccount>(afterPrize.Account);
        Assert.Equal(ada, fresh.AccountId);
        Assert.Equal(new StatementBalance("USD", 2_619, 0), Assert.Single(fresh.Balances));
        Assert.Empty(fresh.BankPayouts);

        // Ada pays 1,000 out to her bank; a second payout of 200 fails (her bank account is closed), so the money
        // stays: each payout.* event asks for a read, and the statement follows Stripe.
        var toBank = run.Stripe.CreatePayout(ada, 1_000, "usd");
        var failed = run.Stripe.CreatePayout(ada, 200, "usd", "account_closed");
        var afterBank = await Eventually.UntilAsync(StatementAsync,
            s => s.Account is { BankPayouts.Count: 2 } a && a.AsOf > fresh.AsOf, "ada's bank payouts on her statement");
        var account = afterBank.Account!;
        Assert.Equal(new StatementBalance("USD", 1_619, 0), Assert.Single(account.Balances));
        // Newest first by Stripe's clock, in whole seconds: two made in the same second come in the order of their
        // random ids, so they are compared as a set.
        Assert.Equal(
            new[] { (failed, 200L, "USD", "failed", (string?)"account_closed"), (toBank, 1_000L, "USD", "paid", null) }
                .OrderBy(p => p.Item1, StringComparer.Ordinal),
            account.BankPayouts.Select(p => (p.BankPayoutId, p.AmountMinor, p.Currency, p.Status, p.FailureCode))
                .OrderBy(p => p.Item1, StringComparer.Ordinal));
        Assert.All(account.BankPayouts, p => Assert.InRange(p.ArrivalDate, fresh.AsOf.AddMinutes(-5),
            account.AsOf.AddMinutes(5)));
        // The prizes beside it are as before.
        Assert.Equal("paid", Assert.Single(afterBank.Prizes).Status);
        // Payout published each read on payouts.status, keyed by the player, with no link in it.
        var reads = run.World.Read(Topics.PayoutsStatus)
            .Where(m => m.Type == RecipientBalanceRead.MessageType).ToList();
        Assert.NotEmpty(reads);
        Assert.All(reads, m => Assert.Equal("ada", m.Key));
        // Every read asked for is made: the failed payout's event may ask again after a read that already showed it.
        await Eventually.UntilAsync(async () =>
        {
            await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
            return await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM payout.balance_reads");
        }, n => n == 0, "every balance read asked for made");

        await StandingsThroughTheReadApiAsync(run, platform);
    }

    /// <summary>
    /// The platform's app shows a contest's standings: the leaders while it is live, the final ones once complete.
    /// </summary>
    private static async Task StandingsThroughTheReadApiAsync(ContestRun run, HttpClient platform)
    {
        // The platform's app shows a contest's standings: the leaders while it is live, the final ones once complete.
        async Task<(HttpStatusCode, JsonElement)> StandingsAsync(string query)
        {
            using var response = await platform.GetAsync("/contests/" + query);
            return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await StandingsAsync("c9/standings")).Item1);
        Assert.Equal(HttpStatusCode.BadRequest, (await StandingsAsync("c1/standings?limit=0")).Item1);
        run.World.Publish(Topics.Standings, "c1", StandingsUpdated.MessageType, "standings:c1:live:4",
            new StandingsUpdated("c1", 4, 3, [new StandingRow(1, "e-ada", "ada", 9_000),
                new StandingRow(2, "e-bo", "bo", 7_500), new StandingRow(3, "e-cy", "cy", 100)],
                DateTimeOffset.UtcNow));
        var (_, live) = await Eventually.UntilAsync(() => StandingsAsync("c1/standings?limit=2"),
            r => r.Item1 == HttpStatusCode.OK, "c1's live standings through the read API");
        Assert.False(live.GetProperty("final").GetBoolean());
        Assert.Equal((4, 3), (live.GetProperty("version").GetInt32(), live.GetProperty("entryCount").GetInt32()));
        Assert.Equal(["ada", "bo"], live.GetProperty("standings").EnumerateArray()
            .Select(r => r.GetProperty("playerId").GetString()!));
        run.World.Publish(Topics.Standings, "c1", FinalStandingsPublished.MessageType,
            FinalStandingsPublished.MessageIdFor("c1", 0), new FinalStandingsPublished("c1", 0, 1,
                [new StandingRow(1, "e-bo", "bo", 9_500), new StandingRow(2, "e-ada", "ada", 9_000)]));
        var (_, final) = await Eventually.UntilAsync(() => StandingsAsync("c1/standings"),
            r => r.Item2.TryGetProperty("final", out var f) && f.GetBoolean(),
            "c1's final standings through the read API");
        Assert.Equal([(1, "bo", 9_500L), (2, "ada", 9_000L)], final.GetProperty("standings").EnumerateArray()
            .Select(r => (r.GetProperty("rank").GetInt32(), r.GetProperty("playerId").GetString()!,
                r.GetProperty("scoreMilli").GetInt64())));
    }
}
