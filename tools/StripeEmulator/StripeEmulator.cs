using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// A Stripe-compatible server on 127.0.0.1 for the endpoints the pipeline calls, with
/// Stripe's semantics where money is concerned: idempotency keys (replay, conflict, 24-hour
/// memory), error bodies and codes, balances that transfers, reversals, refunds and disputes
/// move, and signed webhooks with retries. Tests drive it through this C# API; other
/// processes through the equivalent /_emulator endpoints.
/// <code>await using var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions());</code>
/// </summary>
public sealed class StripeEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly StripeEmulatorOptions _options;
    private readonly EmulatorState _state;
    private readonly FaultTable _faults = new();
    private readonly WebhookDispatcher _webhooks;

    private StripeEmulator(WebApplication app, StripeEmulatorOptions options)
    {
        _app = app;
        _options = options;
        _webhooks = new WebhookDispatcher(options);
        _state = new EmulatorState(options, _webhooks);
    }

    /// <summary>The root to give a Stripe client, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The emulated platform's own account id, as Stripe names it in a restricted key's 403.</summary>
    public const string PlatformAccountId = "acct_emulatorplatform";

    public string ApiKey => _options.ApiKey;

    /// <summary>The restricted key that may only read the balance.</summary>
    public string BalanceReadKey => _options.BalanceReadKey;

    /// <summary>The restricted key of the ingestion worker: it reads payment intents and their charges.</summary>
    public string IngestionKey => KeyFor(StripeRestrictedKeys.Ingestion);

    /// <summary>The restricted key of the payout worker: everything that moves money, and what it reads.</summary>
    public string PayoutKey => KeyFor(StripeRestrictedKeys.Payout);

    /// <summary>The restricted key of the settlement worker: it reads the balance.</summary>
    public string SettlementKey => KeyFor(StripeRestrictedKeys.Settlement);

    /// <summary>Every restricted key the emulator accepts, with its permissions.</summary>
    public IReadOnlyList<RestrictedKey> RestrictedKeys => _options.KeyTable();

    /// <summary>The restricted key named <paramref name="name"/> (see <see cref="StripeRestrictedKeys"/>).</summary>
    public string KeyFor(string name) =>
        RestrictedKeys.FirstOrDefault(k => k.Name == name)?.Key
            ?? throw new KeyNotFoundException($"no restricted key named {name}");
    public string WebhookSecret => _options.WebhookSecret;

    /// <summary>Where events go from now on; null stops sending (events are still recorded).</summary>
    public Uri? WebhookEndpoint
    {
        get => _webhooks.Endpoint;
        set => _webhooks.Endpoint = value;
    }

    public static async Task<StripeEmulator> StartAsync(StripeEmulatorOptions? options = null,
        CancellationToken ct = default)
    {
        options ??= new StripeEmulatorOptions();
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(options.ListenUrl);
        builder.Services.Configure<JsonOptions>(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        });
        var app = builder.Build();
        var emulator = new StripeEmulator(app, options);
        new V1Api(options, emulator._state, emulator._faults).Map(app);
        ControlApi.Map(app, emulator);
        await app.StartAsync(ct);
        var server = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        emulator.BaseUrl = new Uri(server.Addresses.First().TrimEnd('/') + "/");
        emulator._state.AccountLinks.BaseUrl = emulator.BaseUrl;
        options.LoggerFactory.CreateLogger<StripeEmulator>()
            .LogInformation("Stripe emulator listening on {BaseUrl}", emulator.BaseUrl);
        return emulator;
    }

    // ---- money and objects ---------------------------------------------------------------

    /// <summary>
    /// A payment intent in the given status; a succeeded one adds its amount less Stripe's fee
    /// (<see cref="StripeEmulatorOptions.PaymentFee"/>) to the platform balance (available, or
    /// pending when <paramref name="pending"/>). Returns its id.
    /// </summary>
    public string CreatePaymentIntent(long amount, string currency, string status = "succeeded",
        IReadOnlyDictionary<string, string>? metadata = null, bool pending = false) =>
        _state.PaymentIntents.Create(amount, currency, status, metadata, pending);

    public void TopUp(long amount, string currency, bool pending = false) =>
        _state.Balances.TopUp(amount, currency, pending);

    /// <summary>Moves every pending amount to available, as Stripe does when funds settle.</summary>
    public void ReleasePending() => _state.Balances.ReleasePending();

    /// <summary>
    /// Completes an account's onboarding, or re-enables a restricted, reviewed or rejected one: it owes nothing,
    /// charges, payouts and transfers are enabled, and account.updated says so (nothing is sent when nothing changed).
    /// </summary>
    public void EnablePayouts(string accountId) => _state.AccountLifecycle.Enable(accountId);

    /// <summary>
    /// Restricts an account for requirements past due (default: an identity document): disabled with
    /// requirements.past_due, no charges, payouts or transfers in, until <see cref="EnablePayouts"/>.
    /// </summary>
    public void RestrictAccount(string accountId, IReadOnlyList<string>? pastDue = null) =>
        _state.AccountLifecycle.Restrict(accountId, pastDue);

    /// <summary>Puts an account under Stripe's review: disabled with under_review.</summary>
    public void ReviewAccount(string accountId) => _state.AccountLifecycle.Review(accountId);

    /// <summary>Rejects an account (fraud, terms_of_service, listed, other): disabled with rejected.{reason}.</summary>
    public void RejectAccount(string accountId, string reason = "other") =>
        _state.AccountLifecycle.Reject(accountId, reason);

    /// <summary>Sets any part of an account's standing (requirements, what it may do), with account.updated.</summary>
    public void UpdateAccount(string accountId, AccountChange change) =>
        _state.AccountLifecycle.Update(accountId, change);

    /// <summary>Turns Connect on or off for the platform: off, creating an account is refused as Stripe does.</summary>
    public void SetConnectEnabled(bool enabled) => _state.Accounts.SetConnectEnabled(enabled);

    /// <summary>Whether connected accounts may be created in <paramref name="country"/>.</summary>
    public void SetCountrySupported(string country, bool supported) =>
        _state.Accounts.SetCountrySupported(country, supported);

    /// <summary>
    /// Stripe's dispute fee here, in minor units of any currency: taken with a dispute's withdrawal, kept if it is won.
    /// </summary>
    public const long DisputeFeeMinor = Disputes.FeeMinor;

    /// <summary>
    /// Opens a dispute on a succeeded payment (charge.dispute.created); the amount and the dispute fee leave the
    /// platform balance.
    /// </summary>
    public string CreateDispute(string paymentIntentId, long? amount = null, string reason = "fraudulent") =>
        _state.Disputes.Open(paymentIntentId, amount, reason);

    /// <summary>Closes a dispute (charge.dispute.closed); a won dispute returns the amount (not the fee).</summary>
    public void CloseDispute(string disputeId, bool won) => _state.Disputes.Close(disputeId, won);

    /// <summary>
    /// A connected account's bank payout, paid or (with a failure code) failed, with its event on that account.
    /// </summary>
    public string CreatePayout(string accountId, long amount, string currency, string? failureCode = null) =>
        _state.Payouts.Create(accountId, amount, currency, failureCode);

    /// <summary>
    /// Pays out all a connected account holds in <paramref name="currency"/> to its bank (payout.paid, or with a
    /// failure code payout.failed, the money left on the account), as Stripe's automatic payouts do.
    /// </summary>
    public string PayOutBalance(string accountId, string currency, string? failureCode = null) =>
        _state.Payouts.Create(accountId, null, currency, failureCode);

    /// <summary>
    /// Fails a transfer as a legacy one could (transfer.failed with <paramref name="failureCode"/>, one of
    /// <see cref="FailureCodes"/>): what is left of it comes back to the platform, so a retry can be seen.
    /// </summary>
    public void FailTransfer(string transferId, string failureCode) =>
        _state.Transfers.Fail(transferId, failureCode);

    /// <summary>
    /// The next <paramref name="count"/> transfers (to <paramref name="destination"/>, or any) fail so, as made.
    /// </summary>
    public void FailNextTransfers(string failureCode, int count = 1, string? destination = null) =>
        _state.Transfers.FailNext(failureCode, count, destination);

    public BalanceAmounts PlatformBalance(string currency) => _state.Balances.PlatformAmounts(currency);

    public long AccountBalance(string accountId, string currency) => _state.Accounts.AvailableIn(accountId, currency);

    // ---- Stripe's clock ------------------------------------------------------------------

    /// <summary>Now on Stripe's clock: the options' clock moved on by every <see cref="AdvanceClock"/>.</summary>
    public DateTimeOffset Now => _state.Clock.UtcNow;

    /// <summary>
    /// Moves Stripe's clock on: objects and events made from now on carry the later time, and idempotency keys
    /// age by it, so a key used more than <see cref="StripeEmulatorOptions.IdempotencyKeyRetention"/> ago makes a
    /// new request, as after Stripe forgets it. Webhook signatures keep the options' clock, which the receiver
    /// checks them against.
    /// </summary>
    public void AdvanceClock(TimeSpan by) => _state.Clock.Advance(by);

    // ---- faults --------------------------------------------------------------------------

    public void InjectFault(StripeFault fault) => _faults.Add(fault);

    public void ClearFaults() => _faults.Clear();

    // ---- events and webhooks -------------------------------------------------------------

    /// <summary>An event of <paramref name="type"/> about an existing object as it is now; returns its id.</summary>
    public string EmitEvent(string type, string objectId) => _state.EmitEvent(type, objectId);

    /// <summary>
    /// Delivers an event again (a duplicate, as Stripe sends when unsure), after <paramref name="delay"/>.
    /// </summary>
    public void RedeliverEvent(string eventId, TimeSpan delay = default) => _state.Redeliver(eventId, delay);

    /// <summary>Holds new events back until <see cref="ReleaseWebhooks"/>.</summary>
    public void HoldWebhooks() => _webhooks.Hold();

    /// <summary>Delivers the held events in the given order, one after another.</summary>
    public void ReleaseWebhooks(WebhookOrder order = WebhookOrder.AsCreated, int seed = 0) =>
        _webhooks.Release(order, seed);

    public IReadOnlyList<WebhookDelivery> WebhookDeliveries() => _webhooks.Deliveries();

    public IReadOnlyList<RecordedEvent> Events() => _state.RecordedEvents();

    // ---- records for invariant checks ----------------------------------------------------

    /// <summary>Every transfer, reversal and refund ever made, with idempotency keys and metadata.</summary>
    public StripeEmulatorLedger Ledger() => _state.Ledger();

    /// <summary>How many transfers were made, without copying the ledger.</summary>
    public int TransferCount() => _state.TransferCount();

    /// <summary>
    /// The idempotency keys of requests still executing (see <see cref="StripeFaultKind.SlowExecution"/>).
    /// </summary>
    public IReadOnlyList<string> KeysInFlight() => _state.KeysInFlight();

    /// <summary>Every /v1 request answered, in order.</summary>
    public IReadOnlyList<RecordedRequest> Requests() => _state.Requests();

    public async ValueTask DisposeAsync()
    {
        await _webhooks.DisposeAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
