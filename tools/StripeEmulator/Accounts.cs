using System.Text.Json.Nodes;
using ContestPipeline.Stripe;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// The platform's connected accounts (Express), and whether the platform may make them: Connect may be off for
/// the platform, and a country unsupported, as Stripe refuses them.
/// </summary>
internal sealed class Accounts(EmulatorCore core, StripeEmulatorOptions options)
{
    private static readonly Listing<Account> Listed =
        new("/v1/accounts", "account", a => a.Id, a => a.Created, a => a.ToJson());

    private readonly Dictionary<string, Account> _byId = new(StringComparer.Ordinal);
    private readonly List<Account> _all = [];
    private readonly HashSet<string> _unsupportedCountries =
        new(options.UnsupportedCountries.Select(c => c.ToUpperInvariant()), StringComparer.Ordinal);
    private bool _connectEnabled = options.ConnectEnabled;

    /// <summary>A connected account named by a /v1 parameter (under the lock).</summary>
    public Account Find(string id, string kind = "account", string param = "account") =>
        ObjectLookup.Api(_byId, id, kind, param);

    /// <summary>A connected account named by test control (under the lock).</summary>
    public Account Control(string id) => ObjectLookup.Control(_byId, id);

    public bool TryFind(string id, out Account account) => _byId.TryGetValue(id, out account!);

    /// <summary>POST /v1/accounts: an Express account, its onboarding all due.</summary>
    public JsonObject Create(ApiCall call)
    {
        var p = call.Params.Expect("type", "country", "email", "capabilities[transfers][requested]", "metadata");
        if (!_connectEnabled)
            throw new ApiError(400, StripeErrorTypes.InvalidRequestError,
                "You can only create new accounts if you've signed up for Connect, which you can learn how to do at " +
                "https://stripe.com/docs/connect.", beforeExecution: true);
        if (p.RequiredText("type") != "express")
            throw ApiError.Parameter("parameter_invalid_string", "type",
                "Only Express accounts are emulated: type must be 'express'.");
        var country = p.Text("country") ?? "US";
        if (country.Length != 2 || !country.All(char.IsAsciiLetterUpper))
            throw ApiError.Parameter("parameter_invalid_string", "country", $"Invalid country: {country}.");
        if (_unsupportedCountries.Contains(country))
            throw ApiError.Parameter("country_unsupported", "country",
                $"{country} is not currently supported by Stripe.");
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

    /// <summary>Turns Connect on or off for the platform: off, Stripe refuses to create accounts.</summary>
    public void SetConnectEnabled(bool enabled)
    {
        lock (core.Gate) _connectEnabled = enabled;
    }

    /// <summary>Whether accounts may be made in <paramref name="country"/> (two letters, as Stripe names it).</summary>
    public void SetCountrySupported(string country, bool supported)
    {
        if (country.Length != 2 || !country.All(char.IsAsciiLetter))
            throw new ArgumentException($"not a two-letter country code: {country}", nameof(country));
        country = country.ToUpperInvariant();
        lock (core.Gate)
        {
            if (supported) _unsupportedCountries.Remove(country);
            else _unsupportedCountries.Add(country);
        }
    }

    public long AvailableIn(string accountId, string currency)
    {
        currency = ObjectLookup.Currency(currency);
        lock (core.Gate) return Control(accountId).Balance.AvailableIn(currency);
    }
}
