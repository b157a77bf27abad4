using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Players;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.PlayerApi;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// Responsible-gaming limits through the real processes: the platform sets a player's limits through the player API,
/// Ingestion applies them (a lowered limit and an exclusion at once, a raise only after its cooling-off), and an entry
/// past a limit, or from an excluded player, is rejected with the reason and its fee refunded once.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class PlayerLimitsTests(PipelineFixture fixture)
{
    [Fact]
    public async Task An_entry_past_a_players_limit_or_during_an_exclusion_is_refused_and_refunded_once()
    {
        await using var run = await ContestRun.StartAsync(fixture, 7, "ingestion");
        var world = run.World;
        await using var api = await LocalPlayerApi.StartAsync(run.Swaps, overrides: new Dictionary<string, string?>
        {
            [PlayerApiOptions.Settings.LimitsRequestLimit] = "3",
            // Ingestion may still be starting under a loaded suite when the first request comes.
            [PlayerApiOptions.Settings.LimitsWaitMs] = "60000",
        });
        using var platform = new HttpClient { BaseAddress = api.Url };
        platform.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", api.Token);

        await ThePlatformSetsLimitsAsync(api, platform);

        await AnOperatorSelfExcludesLeeAsync(world, platform);

        // Two contests: ivy's second fee of the day is past her limit whichever contest it is in.
        var lockAt = DateTimeOffset.UtcNow.AddMinutes(10);
        world.Schedule("walk", 1, lockAt.AddHours(1), "ivy", "jon", "kai", "lee");
        run.Define(Fitness("steps", lockAt, "walk"));
        run.Define(Fitness("miles", lockAt, "walk"));
        var ivyFirst = world.Pay("steps", "ivy", Fee);
        world.Submit(Entry("s-ivy-1", "steps", "ivy", ivyFirst));
        await Eventually.UntilAsync(() => Task.FromResult(world.Read(Topics.ContestLifecycle)
            .Any(m => m.Type == EntryAccepted.MessageType)), "ivy's first entry accepted", TimeSpan.FromSeconds(45));
        var ivySecond = world.Pay("miles", "ivy", Fee);
        var kaiPaid = world.Pay("steps", "kai", Fee);
        var jonPaid = world.Pay("steps", "jon", Fee);
        var leePaid = world.Pay("steps", "lee", Fee);
        world.Submit(Entry("s-ivy-2", "miles", "ivy", ivySecond));
        world.Submit(Entry("s-kai", "steps", "kai", kaiPaid));
        world.Submit(Entry("s-jon", "steps", "jon", jonPaid));
        world.Submit(Entry("s-lee", "steps", "lee", leePaid));

        await Eventually.UntilAsync(() => Task.FromResult(world.Read(Topics.ContestLifecycle).Count(m =>
            m.Type is EntryAccepted.MessageType or EntryRejected.MessageType) == 5), "five submissions decided",
            TimeSpan.FromSeconds(45));
        var lifecycle = world.Read(Topics.ContestLifecycle);
        Assert.Equal(new[] { ivyFirst, jonPaid }.Order(StringComparer.Ordinal), lifecycle
            .Where(m => m.Type == EntryAccepted.MessageType)
            .Select(m => m.Body.GetProperty("paymentIntentId").GetString()!).Order(StringComparer.Ordinal));
        var reasons = lifecycle.Where(m => m.Type == EntryRejected.MessageType)
            .ToDictionary(m => m.Body.GetProperty("paymentIntentId").GetString()!,
                m => m.Body.GetProperty("reason").GetString()!);
        Assert.Contains("player ivy paid 10.00 USD in entry fees on ", reasons[ivySecond], StringComparison.Ordinal);
        Assert.EndsWith("; this entry's 10.00 USD would pass the daily limit of 15.00 USD", reasons[ivySecond],
            StringComparison.Ordinal);
        Assert.StartsWith("player kai is in a cooling-off until ", reasons[kaiPaid], StringComparison.Ordinal);
        Assert.StartsWith("player lee is in a self-exclusion until ", reasons[leePaid], StringComparison.Ordinal);

        // Each refused fee is refunded once, in full; nothing else is.
        var refunds = world.Read(Topics.PayoutsDue).Where(m => m.Type == RefundOrdered.MessageType).ToList();
        Assert.Equal(new[] { ivySecond, kaiPaid, leePaid }.Order(StringComparer.Ordinal),
            refunds.Select(m => m.Body.GetProperty("paymentIntentId").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(refunds, m => Assert.Equal(Fee, m.Body.GetProperty("amountMinor").GetInt64()));

        // Entries keep the time they were submitted, which the day's spend is counted by.
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        Assert.Equal(2L, await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM ingestion.entries WHERE submitted_at <= accepted_at"));
    }

    /// <summary>
    /// The platform sets ivy's, kai's and jon's limits through the player API: applied as the rules say, a wrong or
    /// anonymous request refused, and at most three changes an hour for a player.
    /// </summary>
    private static async Task ThePlatformSetsLimitsAsync(LocalPlayerApi api, HttpClient platform)
    {
        // ivy lowers her daily limit to 15.00 (at once); kai starts a day's cooling-off; jon raises his to 5,000.00,
        // which waits 24 hours, so the default 1,000.00 holds today.
        var ivy = await SetAsync(platform, "ivy", new { dailyLimitMinor = 1_500 });
        Assert.True(ivy.Status == HttpStatusCode.OK, ivy.Body.ToString());
        Assert.Equal("daily limit 1,500 from now", ivy.Body.GetProperty("applied").GetString());
        Assert.Equal(1_500, ivy.Body.GetProperty("limits").GetProperty("dailyMinor").GetInt64());
        var kai = await SetAsync(platform, "kai", new { exclusion = "cooling_off", exclusionDays = 1 });
        Assert.Equal(HttpStatusCode.OK, kai.Status);
        Assert.StartsWith("cooling_off until ", kai.Body.GetProperty("applied").GetString(), StringComparison.Ordinal);
        var jon = await SetAsync(platform, "jon", new { dailyLimitMinor = 500_000 });
        Assert.Contains("(a raise waits 24 h); 100,000 until then", jon.Body.GetProperty("applied").GetString(),
            StringComparison.Ordinal);
        var wrong = await SetAsync(platform, "jon", new { exclusion = "cooling_off", exclusionDays = 90 });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.Status);
        Assert.Equal("exclusionDays for cooling_off is 1 to 42 days, not 90",
            wrong.Body.GetProperty("error").GetString());
        var misspelt = await SetAsync(platform, "jon", new { dailyLimit = 5 });
        Assert.Equal(HttpStatusCode.BadRequest, misspelt.Status);
        Assert.Contains("dailyLimit", misspelt.Body.GetProperty("error").GetString(), StringComparison.Ordinal);
        using (var anonymous = new HttpClient { BaseAddress = api.Url })
        using (var refused = await anonymous.PostAsJsonAsync("/players/ivy/limits",
            new { dailyLimitMinor = 1_000_000 }))
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        // The platform may ask three times an hour for a player (here): jon's fourth is answered 429, and not queued.
        Assert.Equal(HttpStatusCode.OK, (await SetAsync(platform, "jon", new { dailyLimitMinor = 400_000 })).Status);
        Assert.Equal(HttpStatusCode.OK, (await SetAsync(platform, "jon", new { monthlyLimitMinor = 900_000 })).Status);
        var flooded = await SetAsync(platform, "jon", new { dailyLimitMinor = 300_000 });
        Assert.Equal(HttpStatusCode.TooManyRequests, flooded.Status);
        Assert.StartsWith("at most 3 limit changes per player per 3600 s; ask again in ",
            flooded.Body.GetProperty("error").GetString(), StringComparison.Ordinal);
        var read = await platform.GetFromJsonAsync<JsonElement>("/players/kai/limits");
        Assert.Equal("cooling_off", read.GetProperty("limits").GetProperty("exclusion").GetString());
    }

    private static async Task AnOperatorSelfExcludesLeeAsync(OutsideWorld world, HttpClient platform)
    {
        // An operator self-excludes lee for a year (signed with her own key, on contests); a request Ingestion cannot
        // apply is dead-lettered with the reason, and changes nothing.
        var signedAt = DateTimeOffset.UtcNow;
        world.SetLimits(new PlayerLimitsSet("lee", "typo", "ann", signedAt.AddSeconds(-1), DailyLimitMinor: -5));
        world.SetLimits(new PlayerLimitsSet("lee", "asked by phone, ticket 4411", "ann", signedAt,
            Exclusion: "self_exclusion", ExclusionDays: 365));
        var lee = await Eventually.UntilAsync(() => platform.GetFromJsonAsync<JsonElement>("/players/lee/limits"),
            l => l.GetProperty("limits").ValueKind == JsonValueKind.Object, "lee's self-exclusion applied");
        Assert.Equal("self_exclusion", lee.GetProperty("limits").GetProperty("exclusion").GetString());
        // Dead-lettered through the outbox: waited for on the dead-letter topic, not read once.
        var refusedChange = Assert.Single(
            await Eventually.UntilAsync(() => world.Read(Topics.DeadLetter(Topics.Contests))
            .Where(m => m.Key == PlayerLimitsSet.KeyFor("lee")).ToList(), r => r.Count > 0,
            "lee's refused change dead-lettered"));
        Assert.Equal("limits of player lee by ann: dailyLimitMinor -5 is outside 0 to 100,000,000",
            refusedChange.Headers[MessageHeaders.DeadLetterReason]);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SetAsync(HttpClient platform, string player,
        object body)
    {
        using var response = await platform.PostAsJsonAsync($"/players/{player}/limits", body);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
