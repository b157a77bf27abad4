using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Stripe;
using Stripe;
using Xunit;

namespace ContestPipeline.Tests.StripeEmulation;

/// <summary>
/// Connected accounts' lifecycle as Stripe has it, moved by test control over HTTP and read back through
/// Stripe.net: restricted, reviewed, rejected, re-enabled; and accounts and login links refused as Stripe refuses them.
/// </summary>
public sealed class StripeEmulatorAccountTests : StripeEmulatorTest
{
    [Fact]
    public async Task A_restricted_account_reads_as_stripe_shows_it_and_receives_nothing_until_re_enabled()
    {
        Stripe.TopUp(10_000, "usd");
        var winner = await ReadyAccountAsync();
        var control = RawHttp();

        using var restricted = await control.PostAsJsonAsync($"_emulator/accounts/{winner}/restrict",
            new { past_due = new[] { "individual.id_number" } });
        var account = await Client.GetAccountAsync(winner);
        var refused = await Assert.ThrowsAsync<StripeFailure>(() =>
            Client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), "payout:po-1"));
        using var enabled = await control.PostAsync($"_emulator/accounts/{winner}/enable", null);
        await Client.CreateTransferAsync(new TransferCreate(1_000, "usd", winner), "payout:po-1:again");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (restricted.StatusCode, enabled.StatusCode));
        Assert.Equal((false, false, "inactive", AccountDisabledReasons.RequirementsPastDue),
            (account.ChargesEnabled, account.PayoutsEnabled, account.Capabilities?.Transfers,
                account.Requirements?.DisabledReason));
        Assert.Equal(["individual.id_number"], account.Requirements?.PastDue ?? []);
        Assert.Equal(["individual.id_number"], account.Requirements?.CurrentlyDue ?? []);
        Assert.Equal(StripeErrorCodes.InsufficientCapabilitiesForTransfer, refused.Code);
        Assert.Single(Stripe.Ledger().Transfers);
        var updates = await AccountUpdatesAsync(winner);
        Assert.Equal(3, updates.Count);
        Assert.True(updates[1].GetProperty("data").GetProperty("previous_attributes").GetProperty("payouts_enabled")
            .GetBoolean());
    }

    [Theory]
    [InlineData("fraud", AccountDisabledReasons.RejectedFraud)]
    [InlineData("terms_of_service", AccountDisabledReasons.RejectedTermsOfService)]
    [InlineData("listed", AccountDisabledReasons.RejectedListed)]
    [InlineData("other", AccountDisabledReasons.RejectedOther)]
    public async Task An_account_rejected_by_control_is_disabled_for_its_reason(string reason, string disabledReason)
    {
        var winner = await ReadyAccountAsync();

        using var rejected = await RawHttp().PostAsJsonAsync($"_emulator/accounts/{winner}/reject", new { reason });
        var account = await Client.GetAccountAsync(winner);

        Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
        Assert.Equal((false, false, "inactive", disabledReason), (account.ChargesEnabled, account.PayoutsEnabled,
            account.Capabilities?.Transfers, account.Requirements?.DisabledReason));
        Assert.Equal(2, (await AccountUpdatesAsync(winner)).Count);
    }

    [Fact]
    public async Task The_platform_rejects_an_account_through_stripe_nets_reject_with_account_updated_for_its_request()
    {
        var winner = await ReadyAccountAsync();

        var rejected = await Client.WriteAsync("POST /v1/accounts/{id}/reject", "reject:w", (s, o, ct) =>
            s.V1.Accounts.RejectAsync(winner, new AccountRejectOptions { Reason = "fraud" }, o, ct));
        var again = await Client.WriteAsync("POST /v1/accounts/{id}/reject", "reject:w", (s, o, ct) =>
            s.V1.Accounts.RejectAsync(winner, new AccountRejectOptions { Reason = "fraud" }, o, ct));
        var badReason = await Assert.ThrowsAsync<StripeFailure>(() => Client.WriteAsync(
            "POST /v1/accounts/{id}/reject", "reject:w:2", (s, o, ct) =>
                s.V1.Accounts.RejectAsync(winner, new AccountRejectOptions { Reason = "listed" }, o, ct)));

        Assert.Equal((false, false, AccountDisabledReasons.RejectedFraud),
            (rejected.ChargesEnabled, rejected.PayoutsEnabled, rejected.Requirements?.DisabledReason));
        Assert.Equal(rejected.Id, again.Id);
        var requests = RequestsTo("POST", $"/v1/accounts/{winner}/reject");
        Assert.Equal([false, true], requests.Take(2).Select(r => r.Replayed));
        Assert.Equal((400, "reason"), (badReason.HttpStatus, badReason.Param));
        var update = (await AccountUpdatesAsync(winner))[^1];
        Assert.Equal("reject:w", update.GetProperty("request").GetProperty("idempotency_key").GetString());
    }

    [Fact]
    public async Task An_account_under_review_or_with_requirements_due_soon_reads_as_stripe_shows_it()
    {
        Stripe.TopUp(10_000, "usd");
        var reviewed = await ReadyAccountAsync("reviewed@example.test");
        var dueSoon = await ReadyAccountAsync("due-soon@example.test");
        var deadline = Stripe.Now.AddDays(14).ToUnixTimeSeconds();
        var control = RawHttp();

        using var review = await control.PostAsync($"_emulator/accounts/{reviewed}/review", null);
        using var soon = await control.PostAsJsonAsync($"_emulator/accounts/{dueSoon}", new
        {
            currently_due = new[] { "individual.verification.document" },
            eventually_due = new[] { "individual.verification.document" },
            current_deadline = deadline,
        });
        var underReview = await Client.GetAccountAsync(reviewed);
        var stillEnabled = await Client.GetAccountAsync(dueSoon);
        await Client.CreateTransferAsync(new TransferCreate(1_000, "usd", dueSoon), "payout:due-soon");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (review.StatusCode, soon.StatusCode));
        Assert.Equal((false, AccountDisabledReasons.UnderReview),
            (underReview.PayoutsEnabled, underReview.Requirements?.DisabledReason));
        Assert.Equal((true, true, null), (stillEnabled.PayoutsEnabled, stillEnabled.ChargesEnabled,
            stillEnabled.Requirements?.DisabledReason));
        Assert.Equal(["individual.verification.document"], stillEnabled.Requirements?.CurrentlyDue ?? []);
        Assert.Equal(deadline, new DateTimeOffset(DateTime.SpecifyKind(
            stillEnabled.Requirements!.CurrentDeadline!.Value, DateTimeKind.Utc)).ToUnixTimeSeconds());
    }

    [Fact]
    public async Task Each_part_of_an_accounts_standing_is_set_by_control_and_nonsense_is_refused()
    {
        var winner = await ReadyAccountAsync();
        var control = RawHttp();

        using var pending = await control.PostAsJsonAsync($"_emulator/accounts/{winner}", new
        {
            transfers_capability = "pending", payouts_enabled = false,
            disabled_reason = AccountDisabledReasons.RequirementsPendingVerification,
            pending_verification = new[] { "individual.id_number" },
        });
        using var nonsense = await control.PostAsJsonAsync($"_emulator/accounts/{winner}",
            new { disabled_reason = "bored" });
        var account = await Client.GetAccountAsync(winner);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.BadRequest), (pending.StatusCode, nonsense.StatusCode));
        Assert.Equal(("pending", false, true, AccountDisabledReasons.RequirementsPendingVerification),
            (account.Capabilities?.Transfers, account.PayoutsEnabled, account.ChargesEnabled,
                account.Requirements?.DisabledReason));
        Assert.Equal(["individual.id_number"], account.Requirements?.PendingVerification ?? []);
    }

    [Fact]
    public async Task Without_connect_creating_an_account_is_refused_as_stripe_refuses_it_and_saves_nothing()
    {
        using var off = await RawHttp().PostAsJsonAsync("_emulator/connect", new { enabled = false });

        var refused = await Assert.ThrowsAsync<StripeFailure>(() =>
            Client.CreateAccountAsync(new AccountCreate("US"), "account:u-1"));
        Stripe.SetConnectEnabled(true);
        var created = await Client.CreateAccountAsync(new AccountCreate("US"), "account:u-1");

        Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        Assert.Equal((400, StripeErrorTypes.InvalidRequestError, false),
            (refused.HttpStatus, refused.Type, refused.IsRetryable));
        Assert.StartsWith("You can only create new accounts if you've signed up for Connect", refused.Message);
        Assert.StartsWith("acct_", created.Id);
        Assert.Equal([false, false], RequestsTo("POST", "/v1/accounts").Select(r => r.Replayed));
    }

    [Fact]
    public async Task An_account_in_an_unsupported_country_is_refused_with_country_unsupported()
    {
        await using var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions
        {
            UnsupportedCountries = new HashSet<string> { "TR" },
        });
        using var control = new HttpClient { BaseAddress = stripe.BaseUrl };
        using var client = new StripeApi(new StripeSettings { BaseAddress = stripe.BaseUrl, SecretKey = stripe.ApiKey },
            TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<StripeApi>.Instance);

        var turkey = await Assert.ThrowsAsync<StripeFailure>(() =>
            client.CreateAccountAsync(new AccountCreate("TR"), "account:tr"));
        using var off = await control.PostAsJsonAsync("_emulator/connect/countries/nz", new { supported = false });
        var zealand = await Assert.ThrowsAsync<StripeFailure>(() =>
            client.CreateAccountAsync(new AccountCreate("NZ"), "account:nz"));
        var us = await client.CreateAccountAsync(new AccountCreate("US"), "account:us");

        Assert.Equal((400, "country_unsupported", "country", "TR is not currently supported by Stripe."),
            (turkey.HttpStatus, turkey.Code, turkey.Param, turkey.Message));
        Assert.Equal(("country_unsupported", "NZ is not currently supported by Stripe."),
            (zealand.Code, zealand.Message));
        Assert.Equal("US", us.Country);
    }

    [Fact]
    public async Task A_login_link_opens_the_express_dashboard_only_once_onboarding_is_done()
    {
        var account = await Client.CreateAccountAsync(new AccountCreate("US"), "account:u-1");
        Task<LoginLink> LoginLinkAsync(string key) => Client.WriteAsync("POST /v1/accounts/{id}/login_links", key,
            (s, o, ct) => s.V1.Accounts.LoginLinks.CreateAsync(account.Id, null, o, ct));

        var refused = await Assert.ThrowsAsync<StripeFailure>(() => LoginLinkAsync("login:1"));
        Stripe.EnablePayouts(account.Id);
        var link = await LoginLinkAsync("login:2");
        using var dashboard = await RawHttp().GetAsync(link.Url);

        Assert.Equal((400, StripeErrorTypes.InvalidRequestError), (refused.HttpStatus, refused.Type));
        Assert.Equal("Cannot create a login link for an account that has not completed onboarding.", refused.Message);
        Assert.StartsWith(Stripe.BaseUrl.ToString(), link.Url, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
    }

    /// <summary>The account's account.updated events as sent, read back on GET /v1/events/{id}.</summary>
    private async Task<List<JsonElement>> AccountUpdatesAsync(string accountId)
    {
        var http = RawHttp();
        http.DefaultRequestHeaders.Authorization = new("Bearer", Stripe.ApiKey);
        var updates = new List<JsonElement>();
        foreach (var e in Stripe.Events().Where(e => e.Type == "account.updated" && e.ObjectId == accountId))
            updates.Add(await http.GetFromJsonAsync<JsonElement>($"v1/events/{e.Id}"));
        return updates;
    }
}
