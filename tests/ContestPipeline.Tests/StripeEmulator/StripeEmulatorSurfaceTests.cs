using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using Xunit;

using ContestPipeline.Tests.Stripe;

namespace ContestPipeline.Tests.StripeEmulation;

/// <summary>The emulator's own surface: authentication, Stripe's parameter rules, its rate limit, and /_emulator over
/// HTTP.</summary>
public sealed class StripeEmulatorSurfaceTests : StripeEmulatorTest
{
    [Theory]
    [InlineData("sk_test_someone_elses_key")]
    [InlineData("sk_live_emulator")]
    public async Task A_request_without_the_secret_key_is_refused_with_401(string key)
    {
        var client = NewClient(secretKey: key);

        var error = await Assert.ThrowsAsync<StripeFailure>(() => client.GetBalanceAsync());

        Assert.Equal((401, StripeErrorTypes.InvalidRequestError, false),
            (error.HttpStatus, error.Type, error.IsRetryable));
        Assert.StartsWith("req_", error.RequestId);
        Assert.DoesNotContain(key, error.Message);
    }

    [Theory]
    [InlineData("amount=100&currency=usd&destination={0}&amont=5", 400, StripeErrorCodes.ParameterUnknown, "amont")]
    [InlineData("currency=usd&destination={0}", 400, StripeErrorCodes.ParameterMissing, "amount")]
    [InlineData("amount=12.5&currency=usd&destination={0}", 400, StripeErrorCodes.ParameterInvalidInteger, "amount")]
    [InlineData("amount=-1&currency=usd&destination={0}", 400, StripeErrorCodes.ParameterInvalidInteger, "amount")]
    [InlineData("amount=100&currency=usd&destination=acct_nobody", 404, StripeErrorCodes.ResourceMissing,
        "destination")]
    public async Task Parameters_are_checked_the_way_stripe_checks_them(string form, int status, string code,
        string param)
    {
        Stripe.TopUp(1_000, "usd");
        var winner = await ReadyAccountAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/transfers")
        {
            Content = new StringContent(string.Format(form, winner), System.Text.Encoding.UTF8,
                "application/x-www-form-urlencoded"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Stripe.ApiKey);

        using var response = await RawHttp().SendAsync(request);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Equal((status, "invalid_request_error", code, param),
            ((int)response.StatusCode, error.GetProperty("type").GetString(), error.GetProperty("code").GetString(),
                error.GetProperty("param").GetString()));
        Assert.Empty(Stripe.Ledger().Transfers);
    }

    [Fact]
    public async Task Requests_beyond_the_emulated_rate_limit_get_429_rate_limit()
    {
        await using var stripe =
            await StripeEmulator.StartAsync(new StripeEmulatorOptions { RequestsPerSecondMax = 1 });
        using var http = new HttpClient { BaseAddress = stripe.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", stripe.ApiKey);

        // At once: one after another, a slow machine could take a second between two and earn a new token.
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => http.GetAsync("v1/balance")));
        var limited = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        var error = JsonDocument.Parse(await limited[0].Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.Equal(answers.Length, limited.Count + answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.Equal(StripeErrorCodes.RateLimit, error.GetProperty("code").GetString());
        foreach (var answer in answers) answer.Dispose();
    }

    [Fact]
    public async Task The_control_endpoints_drive_the_emulator_over_http()
    {
        var control = RawHttp();
        using var topUp =
            await control.PostAsJsonAsync("_emulator/balance/top_up", new { amount = 5_000, currency = "usd" });
        using var created = await control.PostAsJsonAsync("_emulator/payment_intents",
            new { amount = 2_000, currency = "usd", metadata = new { entry_id = "e-1" } });
        var intentId = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id")
            .GetString()!;
        var account = await Client.CreateAccountAsync(new AccountCreate("US"), "account:w");
        using var enabled = await control.PostAsync($"_emulator/accounts/{account.Id}/enable_payouts", null);
        using var fault = await control.PostAsJsonAsync("_emulator/faults",
            new { kind = "server_error", method = "POST", path_prefix = "/v1/transfers", count = 1 });
        var transfer = await Client.CreateTransferAsync(new TransferCreate(6_000, "usd", account.Id), "payout:po-1");
        using var unknown = await control.PostAsync("_emulator/accounts/acct_nobody/enable_payouts", null);
        var ledger = JsonDocument.Parse(await control.GetStringAsync("_emulator/ledger")).RootElement;
        var intent = await Client.GetPaymentIntentAsync(intentId);

        Assert.All([topUp, created, enabled, fault], r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("e-1", intent.Metadata["entry_id"]);
        Assert.Equal([500, 200], RequestsTo("POST", "/v1/transfers").Select(r => r.Status));
        var recorded = Assert.Single(ledger.GetProperty("transfers").EnumerateArray());
        Assert.Equal((transfer.Id, "payout:po-1"),
            (recorded.GetProperty("id").GetString(), recorded.GetProperty("idempotency_key").GetString()));
        Assert.Equal(1_000, Stripe.PlatformBalance("usd").Available);
    }

    [Fact]
    public async Task Events_are_listed_newest_first_on_v1_events()
    {
        var control = RawHttp();
        control.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Stripe.ApiKey);
        Stripe.TopUp(5_000, "usd");
        var winner = await ReadyAccountAsync();
        var transfer = await Client.CreateTransferAsync(new TransferCreate(100, "usd", winner), "payout:po-1");
        var updated = Stripe.EmitEvent("transfer.updated", transfer.Id);

        var list = JsonDocument.Parse(await control.GetStringAsync("v1/events?limit=2")).RootElement;
        var transfersOnly =
            JsonDocument.Parse(await control.GetStringAsync("v1/events?type=transfer.created")).RootElement;

        Assert.Equal([updated, Stripe.Events()[^2].Id],
            list.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        Assert.True(list.GetProperty("has_more").GetBoolean());
        Assert.Equal(transfer.Id, transfersOnly.GetProperty("data")[0].GetProperty("data").GetProperty("object")
            .GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("expand[0]=latest_charge", null)]
    [InlineData("expand[]=latest_charge", null)]
    [InlineData("expand[]=latest_charge&expand[]=customer", "customer")]
    [InlineData("expand[0]=latest_charge&expand[1]=customer", "customer")]
    public async Task Expand_reads_the_way_every_official_client_spells_a_list(string query, string? refused)
    {
        var control = RawHttp();
        control.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Stripe.ApiKey);
        var id = Stripe.CreatePaymentIntent(2_500, "usd");

        using var response = await control.GetAsync($"v1/payment_intents/{id}?{query}");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        if (refused is null)
            Assert.Equal(JsonValueKind.Object, body.GetProperty("latest_charge").ValueKind);
        else
            Assert.Contains(refused, body.GetProperty("error").GetProperty("message").GetString(),
                StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stripe_nets_requests_carry_its_pinned_api_version_which_the_answers_repeat()
    {
        await Client.GetBalanceAsync();
        var asOld = RawHttp();
        asOld.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Stripe.ApiKey);
        asOld.DefaultRequestHeaders.Add("Stripe-Version", "2024-06-20");
        using var old = await asOld.GetAsync("v1/balance");

        Assert.Equal([StripeSettings.ApiVersion, "2024-06-20"],
            RequestsTo("GET", "/v1/balance").Select(r => r.StripeVersion));
        Assert.Equal("2024-06-20", old.Headers.GetValues("Stripe-Version").Single());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}\.\w+$", StripeSettings.ApiVersion);
    }
}
