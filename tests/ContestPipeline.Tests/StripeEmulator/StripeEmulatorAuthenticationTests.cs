using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Net.Http.Json;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Stripe;
using Xunit;

namespace ContestPipeline.Tests.StripeEmulation;

/// <summary>Who may call the emulator, and for what: the secret key however it is given, and restricted keys.</summary>
public sealed class StripeEmulatorAuthenticationTests : StripeEmulatorTest
{
    [Fact]
    public async Task A_secret_key_given_as_basic_auth_user_name_is_accepted_as_stripe_accepts_it()
    {
        var http = RawHttp();
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/balance");
        // curl -u sk_test_...: sends the key as the user name and an empty password.
        request.Headers.Authorization = Basic(Stripe.ApiKey + ":");

        using var response = await http.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("balance", body.GetProperty("object").GetString());
    }

    [Theory]
    [InlineData("sk_test_someone_elses_key:")]
    [InlineData("sk_test_someone_elses_key")]
    public async Task An_unknown_key_given_as_basic_auth_is_refused_with_401_and_never_echoed(string credentials)
    {
        var http = RawHttp();
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/balance");
        request.Headers.Authorization = Basic(credentials);

        using var response = await http.SendAsync(request);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(StripeErrorTypes.InvalidRequestError, error.GetProperty("type").GetString());
        Assert.StartsWith("Invalid API Key provided: sk_test_", error.GetProperty("message").GetString());
        Assert.DoesNotContain("someone_elses", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The default key table, one row per call: what each service's restricted key may do, and the permission
    /// Stripe's 403 names when it may not (null: allowed, whatever else the answer says).
    /// </summary>
    [Theory]
    [InlineData(StripeRestrictedKeys.Ingestion, "GET", "v1/payment_intents/{pi}?expand[]=latest_charge", null)]
    [InlineData(StripeRestrictedKeys.Ingestion, "GET", "v1/balance", StripePermissions.BalanceRead)]
    [InlineData(StripeRestrictedKeys.Ingestion, "POST", "v1/refunds", StripePermissions.RefundWrite)]
    [InlineData(StripeRestrictedKeys.Ingestion, "POST", "v1/transfers", StripePermissions.TransferWrite)]
    [InlineData(StripeRestrictedKeys.Payout, "POST", "v1/transfers", null)]
    [InlineData(StripeRestrictedKeys.Payout, "GET", "v1/transfers", null)]
    [InlineData(StripeRestrictedKeys.Payout, "POST", "v1/refunds", null)]
    [InlineData(StripeRestrictedKeys.Payout, "POST", "v1/accounts", null)]
    [InlineData(StripeRestrictedKeys.Payout, "POST", "v1/account_links", null)]
    [InlineData(StripeRestrictedKeys.Payout, "GET", "v1/disputes/dp_missing", null)]
    [InlineData(StripeRestrictedKeys.Payout, "GET", "v1/balance", null)]
    [InlineData(StripeRestrictedKeys.Payout, "GET", "v1/payment_intents/{pi}?expand[]=latest_charge", null)]
    [InlineData(StripeRestrictedKeys.Payout, "GET",
        "v1/payment_intents?expand[]=data.latest_charge.balance_transaction", null)]
    [InlineData(StripeRestrictedKeys.Ingestion, "GET",
        "v1/payment_intents/{pi}?expand[]=latest_charge.balance_transaction", StripePermissions.BalanceRead)]
    [InlineData(StripeRestrictedKeys.Payout, "GET", "v1/events", StripePermissions.EventRead)]
    [InlineData(StripeRestrictedKeys.Settlement, "GET", "v1/balance", null)]
    [InlineData(StripeRestrictedKeys.Settlement, "GET", "v1/transfers", StripePermissions.TransferRead)]
    [InlineData(StripeRestrictedKeys.Settlement, "GET", "v1/payment_intents/{pi}", StripePermissions.PaymentIntentRead)]
    [InlineData(StripeRestrictedKeys.BalanceRead, "GET", "v1/balance", null)]
    [InlineData(StripeRestrictedKeys.BalanceRead, "POST", "v1/refunds", StripePermissions.RefundWrite)]
    [InlineData(StripeRestrictedKeys.BalanceRead, "GET", "v1/accounts/acct_x", StripePermissions.ConnectedAccountRead)]
    public async Task Each_services_restricted_key_may_call_only_what_its_permissions_allow(string name, string method,
        string path, string? refusedFor)
    {
        var intent = Stripe.CreatePaymentIntent(1_000, "usd");
        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{pi}", intent))
        {
            Content = method == "POST" ? new FormUrlEncodedContent([]) : null,
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Stripe.KeyFor(name));

        using var response = await RawHttp().SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        if (refusedFor is null)
        {
            Assert.NotEqual(HttpStatusCode.Forbidden, response.StatusCode);
            return;
        }
        var error = body.GetProperty("error");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(StripeErrorTypes.InvalidRequestError, error.GetProperty("type").GetString());
        Assert.Equal($"The provided key '{Redacted(Stripe.KeyFor(name))}' does not have the required permissions " +
            $"for this endpoint on account '{StripeEmulator.PlatformAccountId}'. Having the '{refusedFor}' " +
            "permission would allow this request to continue.", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Stripe_nets_client_on_a_restricted_key_gets_a_403_that_is_not_retried_and_moves_nothing()
    {
        var intent = Stripe.CreatePaymentIntent(1_000, "usd");
        var ingestion = NewClient(secretKey: Stripe.IngestionKey);

        var read = await ingestion.GetPaymentIntentAsync(intent);
        var refused = await Assert.ThrowsAsync<StripeFailure>(() =>
            ingestion.CreateRefundAsync(new RefundCreate(intent), "refund:e-1"));

        Assert.Equal((intent, 1_000L), (read.Id, read.LatestCharge?.Amount));
        Assert.Equal((403, false), (refused.HttpStatus, refused.IsRetryable));
        Assert.Contains($"'{StripePermissions.RefundWrite}'", refused.Message, StringComparison.Ordinal);
        Assert.Single(RequestsTo("POST", "/v1/refunds"));
        Assert.Empty(Stripe.Ledger().Refunds);
        Assert.Equal(1_000, Stripe.PlatformBalance("usd").Available);
    }

    [Fact]
    public async Task The_payout_key_moves_money_and_reads_what_it_wrote_through_stripe_net()
    {
        Stripe.TopUp(5_000, "usd");
        var payout = NewClient(secretKey: Stripe.PayoutKey);
        var account = await payout.CreateAccountAsync(new AccountCreate("US"), "account:w");
        Stripe.EnablePayouts(account.Id);

        var transfer = await payout.CreateTransferAsync(new TransferCreate(1_000, "usd", account.Id, "c-1"), "po-1");
        var listed = await payout.ListTransfersAsync("c-1", limit: 10);
        var balance = await payout.GetBalanceAsync();

        Assert.Equal([transfer.Id], listed.Data.Select(t => t.Id));
        Assert.Equal(4_000, balance.AvailableIn("usd"));
    }

    /// <summary>
    /// An idempotency key belongs to the account, whichever of its keys used it: the payout key retrying what the
    /// secret key sent gets the same transfer back, never a second one.
    /// </summary>
    [Fact]
    public async Task An_idempotency_key_is_the_accounts_whichever_of_its_keys_uses_it()
    {
        Stripe.TopUp(5_000, "usd");
        var platform = NewClient();
        var payout = NewClient(secretKey: Stripe.PayoutKey);
        var account = await platform.CreateAccountAsync(new AccountCreate("US"), "account:k");
        Stripe.EnablePayouts(account.Id);

        var first = await platform.CreateTransferAsync(new TransferCreate(1_000, "usd", account.Id, "c-k"), "po-k");
        var again = await payout.CreateTransferAsync(new TransferCreate(1_000, "usd", account.Id, "c-k"), "po-k");

        Assert.Equal(first.Id, again.Id);
        Assert.Single(Stripe.Ledger().Transfers);
    }

    [Fact]
    public async Task Expanding_a_payment_intents_charge_needs_the_charges_read_permission()
    {
        await using var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions
        {
            RestrictedKeys = [new("intents", "rk_test_intents_only", StripePermissions.PaymentIntentRead)],
        });
        var intent = stripe.CreatePaymentIntent(1_000, "usd");
        using var http = new HttpClient { BaseAddress = stripe.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "rk_test_intents_only");

        using var plain = await http.GetAsync($"v1/payment_intents/{intent}");
        using var expanded = await http.GetAsync($"v1/payment_intents/{intent}?expand[]=latest_charge");
        var error = JsonDocument.Parse(await expanded.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Forbidden), (plain.StatusCode, expanded.StatusCode));
        Assert.Contains($"'{StripePermissions.ChargeRead}'", error.GetProperty("message").GetString(),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_runs_read_each_services_key_from_the_control_endpoint()
    {
        var keys = await RawHttp().GetFromJsonAsync<JsonElement>("_emulator/keys");

        var table = keys.EnumerateArray().ToDictionary(k => k.GetProperty("name").GetString()!,
            k => (Key: k.GetProperty("key").GetString(), Permissions: k.GetProperty("permissions").EnumerateArray()
                .Select(p => p.GetString()!).ToHashSet()));
        Assert.Equal((StripeRestrictedKeys.IngestionKey, Stripe.IngestionKey),
            (table[StripeRestrictedKeys.Ingestion].Key, Stripe.KeyFor(StripeRestrictedKeys.Ingestion)));
        Assert.Equal(Stripe.PayoutKey, table[StripeRestrictedKeys.Payout].Key);
        Assert.Equal(Stripe.SettlementKey, table[StripeRestrictedKeys.Settlement].Key);
        Assert.Equal(Stripe.BalanceReadKey, table[StripeRestrictedKeys.BalanceRead].Key);
        Assert.Equal([StripePermissions.ChargeRead, StripePermissions.PaymentIntentRead],
            table[StripeRestrictedKeys.Ingestion].Permissions.Order(StringComparer.Ordinal));
        Assert.Equal([StripePermissions.BalanceRead], table[StripeRestrictedKeys.Settlement].Permissions);
        Assert.Contains(StripePermissions.TransferWrite, table[StripeRestrictedKeys.Payout].Permissions);
    }

    [Fact]
    public async Task A_balance_read_key_of_its_own_replaces_the_default_one()
    {
        await using var stripe =
            await StripeEmulator.StartAsync(new StripeEmulatorOptions { BalanceReadKey = "rk_test_mine" });
        using var http = new HttpClient { BaseAddress = stripe.BaseUrl };

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "rk_test_mine");
        using var mine = await http.GetAsync("v1/balance");
        http.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Bearer", StripeRestrictedKeys.BalanceReadKey);
        using var theDefault = await http.GetAsync("v1/balance");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Unauthorized), (mine.StatusCode, theDefault.StatusCode));
        Assert.Equal("rk_test_mine", stripe.BalanceReadKey);
    }

    [Theory]
    [InlineData("sk_test_not_restricted", StripePermissions.BalanceRead)]
    [InlineData("rk_live_emulator", StripePermissions.BalanceRead)]
    [InlineData("rk_test_emulator_odd", "rak_everything_write")]
    [InlineData(StripeRestrictedKeys.PayoutKey, StripePermissions.BalanceRead)]
    public async Task A_restricted_key_table_stripe_could_not_hold_is_refused_at_start(string key, string permission)
    {
        var options = new StripeEmulatorOptions
        {
            RestrictedKeys = [.. StripeRestrictedKeys.Defaults, new RestrictedKey("odd", key, permission)],
        };

        await Assert.ThrowsAsync<ArgumentException>(() => StripeEmulator.StartAsync(options));
    }

    private static string Redacted(string key) => key[..8] + new string('*', key.Length - 12) + key[^4..];

    private static AuthenticationHeaderValue Basic(string credentials) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
}
