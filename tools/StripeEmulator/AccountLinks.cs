using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// Links a connected account's holder follows: account links to onboarding (POST /v1/account_links) and login links
/// to the Express dashboard (POST /v1/accounts/{id}/login_links), both pointing back at the emulator.
/// </summary>
internal sealed class AccountLinks(EmulatorCore core, Accounts accounts)
{
    private const int AccountLinkLifetimeSeconds = 300;

    /// <summary>Known once the server listens; the links point back at it.</summary>
    public Uri BaseUrl { get; set; } = new("http://127.0.0.1/");

    /// <summary>POST /v1/account_links: each link a new one, as Stripe's are.</summary>
    public JsonObject CreateAccountLink(ApiCall call)
    {
        var p = call.Params.Expect("account", "refresh_url", "return_url", "type");
        var account = accounts.Find(p.RequiredText("account"));
        p.RequiredText("refresh_url");
        var returnUrl = p.RequiredText("return_url");
        if (p.RequiredText("type") != "account_onboarding")
            throw ApiError.Parameter("parameter_invalid_string", "type", "Only type=account_onboarding is emulated.");
        var created = core.Clock.Now;
        var link = core.Ids.New("al_");
        var url = $"_emulator/onboarding/{account.Id}?link={link}&return_url={Uri.EscapeDataString(returnUrl)}";
        return new JsonObject
        {
            ["object"] = "account_link",
            ["created"] = created,
            ["expires_at"] = created + AccountLinkLifetimeSeconds,
            ["url"] = new Uri(BaseUrl, url).ToString(),
        };
    }

    /// <summary>
    /// POST /v1/accounts/{id}/login_links: a single-use link to the account's Express dashboard, refused as Stripe
    /// refuses it for an account whose holder has not finished onboarding.
    /// </summary>
    public JsonObject CreateLoginLink(string accountId, ApiCall call)
    {
        call.Params.Expect();
        var account = accounts.Find(accountId);
        if (!account.DetailsSubmitted)
            throw ApiError.Refused(null,
                "Cannot create a login link for an account that has not completed onboarding.");
        return new JsonObject
        {
            ["object"] = "login_link",
            ["created"] = core.Clock.Now,
            ["url"] = new Uri(BaseUrl, $"_emulator/express/{account.Id}/{core.Ids.New("", 12)}").ToString(),
        };
    }
}
