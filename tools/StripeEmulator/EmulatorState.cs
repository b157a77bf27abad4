using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// Everything the emulated Stripe account holds, one resource per type, all behind one lock: an idempotency
/// check, the operation it guards and the saved result happen as one step, so two requests with the same key can
/// never both run. /v1 operations signal refusals with <see cref="ApiError"/>; test-control operations with
/// ArgumentException, InvalidOperationException and KeyNotFoundException.
/// </summary>
internal sealed class EmulatorState
{
    private readonly EmulatorCore _core;
    private readonly IdempotencyKeys _keys;
    private readonly WebhookDispatcher _webhooks;
    private readonly List<RecordedRequest> _requests = [];

    public EmulatorState(StripeEmulatorOptions options, WebhookDispatcher webhooks)
    {
        var clock = Clock = new StripeClock(options.Clock);
        var ids = new ObjectIds(options.Seed);
        _core = new EmulatorCore(new Lock(), clock, ids, new EventLog(clock, ids, webhooks));
        _keys = new IdempotencyKeys(clock, options.IdempotencyKeyRetention);
        _webhooks = webhooks;
        Accounts = new Accounts(_core, options);
        AccountLinks = new AccountLinks(_core, Accounts);
        AccountLifecycle = new AccountLifecycle(_core, Accounts);
        Balances = new Balances(_core, Accounts);
        PaymentIntents = new PaymentIntents(_core, Balances, options.PaymentFee);
        Refunds = new Refunds(_core, Balances, PaymentIntents);
        Disputes = new Disputes(_core, Balances, PaymentIntents);
        Transfers = new Transfers(_core, Balances, Accounts);
        Payouts = new Payouts(_core, Accounts);
    }

    public Accounts Accounts { get; }
    public AccountLinks AccountLinks { get; }
    public AccountLifecycle AccountLifecycle { get; }
    public Balances Balances { get; }
    public PaymentIntents PaymentIntents { get; }
    public Refunds Refunds { get; }
    public Disputes Disputes { get; }
    public Transfers Transfers { get; }
    public Payouts Payouts { get; }
    public EventLog Events => _core.Events;
    public StripeClock Clock { get; }

    // ---- the /v1 request path -------------------------------------------------------------

    public string NewRequestId() => _core.Ids.New("req_", 14);

    public void Record(RecordedRequest request)
    {
        lock (_core.Gate) _requests.Add(request);
    }

    /// <summary>Runs a /v1 operation under Stripe's idempotency rules (<see cref="IdempotencyKeys"/>).</summary>
    public Reply Execute(ApiCall call, Func<ApiCall, JsonObject> operation)
    {
        lock (_core.Gate) return Unreachable(call) ?? _keys.Admit(call) ?? _keys.Run(call, operation);
    }

    /// <summary>Stripe's 403 for a Stripe-Account header naming no account of the platform. Under the lock.</summary>
    private Reply? Unreachable(ApiCall call) =>
        call.Account is { } account && !Accounts.TryFind(account, out _)
            ? Reply.Error(ApiKeys.AccountInvalid(call.ApiKey, account))
            : null;

    /// <summary>
    /// As <see cref="Execute"/>, for a request that takes <paramref name="duration"/> to run: its key is held in
    /// flight meanwhile, so a request with the same key gets 409, as from Stripe. The client going away does not
    /// stop it (Stripe finishes what it started).
    /// </summary>
    public async Task<Reply> ExecuteSlowlyAsync(ApiCall call, Func<ApiCall, JsonObject> operation, TimeSpan duration)
    {
        lock (_core.Gate)
        {
            if ((Unreachable(call) ?? _keys.Admit(call)) is { } early) return early;
            _keys.Hold(call);
        }
        try
        {
            await Task.Delay(duration, CancellationToken.None);
        }
        finally
        {
            lock (_core.Gate) _keys.Release(call);
        }
        lock (_core.Gate) return _keys.Run(call, operation);
    }

    // ---- records and events: for the emulator's C# API and /_emulator -------------------------

    /// <summary>
    /// An event of any type about an existing object, as it stands now (transfer.updated, legacy transfer.paid, ...).
    /// </summary>
    public string EmitEvent(string type, string objectId)
    {
        lock (_core.Gate)
        {
            var (json, account) = Describe(objectId) ?? throw new KeyNotFoundException($"no object {objectId}");
            return _core.Events.Emit(type, json, account, null, null).Id;
        }
    }

    /// <summary>An object of any kind as it stands now, with the connected account it lives on.</summary>
    private (JsonObject Json, string? Account)? Describe(string id) => id switch
    {
        _ when Transfers.TryFind(id, out var transfer) => (transfer.ToJson(), null),
        _ when Accounts.TryFind(id, out var account) => (account.ToJson(), account.Id),
        _ when PaymentIntents.TryFind(id, out var intent) => (intent.ToJson(), null),
        _ when Refunds.TryFind(id, out var refund) => (refund.ToJson(), null),
        _ when Disputes.TryFind(id, out var dispute) => (dispute.ToJson(), null),
        _ when Payouts.TryFind(id, out var payout) => (payout.ToJson(), payout.Account.Id),
        _ => null,
    };

    public void Redeliver(string eventId, TimeSpan delay)
    {
        EventRecord record;
        lock (_core.Gate) record = _core.Events.Find(eventId);
        _webhooks.Redeliver(record, delay);
    }

    public IReadOnlyList<RecordedEvent> RecordedEvents()
    {
        lock (_core.Gate) return _core.Events.Recorded();
    }

    public StripeEmulatorLedger Ledger()
    {
        lock (_core.Gate)
            return new StripeEmulatorLedger(Transfers.Recorded(), Transfers.RecordedReversals(), Refunds.Recorded());
    }

    /// <summary>How many transfers were made, without copying them (a poll's cheap question).</summary>
    public int TransferCount()
    {
        lock (_core.Gate) return Transfers.Count;
    }

    public IReadOnlyList<string> KeysInFlight()
    {
        lock (_core.Gate) return _keys.InFlight();
    }

    public IReadOnlyList<RecordedRequest> Requests()
    {
        lock (_core.Gate) return [.. _requests];
    }
}
