using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ContestPipeline.Stripe;
using ContestPipeline.Tests.Stripe;
using Stripe;
using Xunit;
using Codes = ContestPipeline.StripeEmulation.FailureCodes;

namespace ContestPipeline.Tests.StripeEmulation;

/// <summary>
/// A connected account's own money, read as the platform reads it on Stripe, with the Stripe-Account header:
/// transfers in, reversals and bank payouts out.
/// </summary>
public sealed class StripeEmulatorConnectedAccountTests : StripeEmulatorTest
{
    [Fact]
    public async Task A_connected_accounts_balance_is_transfers_in_less_reversals_and_payouts_out()
    {
        Stripe.TopUp(10_000, "usd");
        var winner = await ReadyAccountAsync();
        var transfer = await Client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), "po-1");
        await Client.CreateTransferReversalAsync(transfer.Id, new TransferReversalCreate(300), "reverse:po-1");
        using var paidOut = await RawHttp().PostAsJsonAsync($"_emulator/accounts/{winner}/payouts",
            new { amount = 500, currency = "usd" });

        var onAccount = await BalanceAsync(winner);
        var platform = await BalanceAsync(null);

        Assert.Equal(HttpStatusCode.OK, paidOut.StatusCode);
        Assert.Equal((200L, 9_300L), (onAccount.AvailableIn("usd"), platform.AvailableIn("usd")));
        Assert.Equal(200, Stripe.AccountBalance(winner, "usd"));
    }

    [Fact]
    public async Task A_connected_accounts_bank_payouts_list_with_its_stripe_account_header()
    {
        Stripe.TopUp(10_000, "usd");
        var winner = await ReadyAccountAsync();
        var other = await ReadyAccountAsync("other@example.test");
        await Client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), "po-1");
        await Client.CreateTransferAsync(new TransferCreate(1_000, "usd", other), "po-2");
        var first = Stripe.CreatePayout(winner, 100, "usd");
        var failed = Stripe.CreatePayout(winner, 200, "usd", Codes.AccountClosed);
        var rest = Stripe.PayOutBalance(winner, "usd");
        Stripe.PayOutBalance(other, "usd");

        var all = await PayoutsAsync(winner, new PayoutListOptions());
        var paid = await PayoutsAsync(winner, new PayoutListOptions { Status = "paid" });
        var platforms = await PayoutsAsync(null, new PayoutListOptions());
        var read = await Client.ReadAsync("GET /v1/payouts/{id}", (s, o, ct) =>
        {
            o.StripeAccount = winner;
            return s.V1.Payouts.GetAsync(failed, null, o, ct);
        });
        var elsewhere = await Assert.ThrowsAsync<StripeFailure>(() => Client.ReadAsync("GET /v1/payouts/{id}",
            (s, o, ct) =>
            {
                o.StripeAccount = other;
                return s.V1.Payouts.GetAsync(failed, null, o, ct);
            }));

        Assert.Equal([rest, failed, first], all.Data.Select(p => p.Id));
        Assert.Equal([rest, first], paid.Data.Select(p => p.Id));
        Assert.Equal([900L, 200L, 100L], all.Data.Select(p => p.Amount));
        Assert.Empty(platforms.Data);
        Assert.Equal(("failed", Codes.AccountClosed), (read.Status, read.FailureCode));
        Assert.Equal("The bank account has been closed.", read.FailureMessage);
        Assert.Equal((404, StripeErrorCodes.ResourceMissing), (elsewhere.HttpStatus, elsewhere.Code));
        Assert.Equal(0, Stripe.AccountBalance(winner, "usd"));
    }

    [Fact]
    public async Task Events_read_with_stripe_account_are_only_that_accounts_own()
    {
        Stripe.TopUp(10_000, "usd");
        var winner = await ReadyAccountAsync();
        await Client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), "po-1");
        var payout = Stripe.PayOutBalance(winner, "usd");

        var events = await Client.ReadAsync("GET /v1/events", (s, o, ct) =>
        {
            o.StripeAccount = winner;
            return s.V1.Events.ListAsync(new EventListOptions(), o, ct);
        });

        Assert.Equal(["payout.paid", "account.updated"], events.Data.Select(e => e.Type));
        Assert.All(events.Data, e => Assert.Equal(winner, e.Account));
        Assert.Equal(payout, ((global::Stripe.Payout)events.Data[0].Data.Object).Id);
    }

    [Fact]
    public async Task A_stripe_account_header_naming_no_connected_account_gets_stripes_403_account_invalid()
    {
        using var response = await Authorized("acct_nobodyknows00").GetAsync("v1/balance");
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("account_invalid", error.GetProperty("code").GetString());
        Assert.Contains("does not have access to account 'acct_nobodyknows00'", error.GetProperty("message")
            .GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_endpoint_answered_for_the_platform_only_refuses_a_stripe_account_header()
    {
        var winner = await ReadyAccountAsync();

        using var response = await Authorized(winner).GetAsync("v1/transfers");
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Stripe-Account", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task An_account_whose_payouts_stripe_disabled_pays_nothing_out()
    {
        Stripe.TopUp(10_000, "usd");
        var winner = await ReadyAccountAsync();
        await Client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), "po-1");
        Stripe.RestrictAccount(winner);

        using var refused = await RawHttp().PostAsJsonAsync($"_emulator/accounts/{winner}/payouts",
            new { currency = "usd" });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(1_000, Stripe.AccountBalance(winner, "usd"));
        Assert.DoesNotContain(Stripe.Events(), e => e.Type.StartsWith("payout.", StringComparison.Ordinal));
    }

    private Task<Balance> BalanceAsync(string? account) =>
        Client.ReadAsync("GET /v1/balance", (s, o, ct) =>
        {
            o.StripeAccount = account;
            return s.V1.Balance.GetAsync(o, ct);
        });

    private Task<StripeList<global::Stripe.Payout>> PayoutsAsync(string? account, PayoutListOptions options) =>
        Client.ReadAsync("GET /v1/payouts", (s, o, ct) =>
        {
            o.StripeAccount = account;
            return s.V1.Payouts.ListAsync(options, o, ct);
        });

    private HttpClient Authorized(string account)
    {
        var http = RawHttp();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Stripe.ApiKey);
        http.DefaultRequestHeaders.Add("Stripe-Account", account);
        return http;
    }
}
