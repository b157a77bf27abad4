using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

/// <summary>The platform's connected accounts (Express), their onboarding links and their lifecycle.</summary>
internal sealed class Accounts(EmulatorCore core)
{
    private const int AccountLinkLifetimeSeconds = 300;

    private static readonly Listing<Account> Listed =
        new("/v1/accounts", "account", a => a.Id, a => a.Created, a => a.ToJson());

    private readonly Dictionary<string, Account> _byId = new(StringComparer.Ordinal);
    private readonly List<Account> _all = [];

    /// <summary>Known once the server listens; onboarding links point back at it.</summary>
    public Uri BaseUrl { get; set; } = new("http://127.0.0.1/");

    /// <summary>A connected account named by a /v1 parameter (under the lock).</summary>
    public Account Find(string id, string kind = "account", string param = "account") =>
        ObjectLookup.Api(_byId, id, kind, param);

    /// <summary>A connected account named by test control (under the lock).</summary>
    public Account Control(string id) => ObjectLookup.Control(_byId, id);

    public bool TryFind(string id, out Account account) => _byId.TryGetValue(id, out account!);

    /// <summary>POST /v1/accounts</summary>
    public JsonObject Create(ApiCall call)
    {
        var p = call.Params.Expect("type", "country", "email", "capabilities[transfers][requested]", "metadata");
        if (p.RequiredText("type") != "express")
            throw ApiError.Parameter("parameter_invalid_string", "type",
                "Only Express accounts are emulated: type must be 'express'.");
        var country = p.Text("country") ?? "US";
        if (country.Length != 2 || !country.All(char.IsAsciiLetterUpper))
            throw ApiError.Parameter("parameter_invalid_string", "country", $"Invalid country: {country}.");
        var account = new Account
        {
            Id = core.Ids.New("acct_", 16), Country = country, Email = p.Text("email"), Created = core.Clock.Now,
            Metadata = p.Metadata(), TransfersRequested = p.Text("capabilities[transfers][requested]") == "true",
        };
        _byId.Add(account.Id, account);
        _all.Add(account);
        return account.ToJson();
    }

    /// <summary>GET /v1/accounts/{id}</summary>
    public JsonObject Get(string id, ApiCall call)
    {
        call.Params.Expect();
        return Find(id).ToJson();
    }

    /// <summary>GET /v1/accounts: the platform's connected accounts, newest first.</summary>
    public JsonObject List(ApiCall call) => Listed.Page(_all, call.Params.ExpectList());

    /// <summary>POST /v1/account_links: each link a new one, as Stripe's are.</summary>
    public JsonObject CreateLink(ApiCall call)
    {
        var p = call.Params.Expect("account", "refresh_url", "return_url", "type");
        var account = Find(p.RequiredText("account"));
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
    /// The account holder finished onboarding: transfers become active, and Stripe says so with account.updated.
    /// </summary>
    public void CompleteOnboarding(string accountId)
    {
        lock (core.Gate)
        {
            var account = Control(accountId);
            if (account.Onboarded) return;
            var before = account.ToJson();
            account.Onboarded = true;
            var after = account.ToJson();
            core.Events.Emit("account.updated", after, account.Id, EventLog.Changed(before, after), null);
        }
    }

    public long AvailableIn(string accountId, string currency)
    {
        currency = ObjectLookup.Currency(currency);
        lock (core.Gate) return Control(accountId).Balance.AvailableIn(currency);
    }
}
