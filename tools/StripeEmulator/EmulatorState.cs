using System.Text.Json;
using System.Text.Json.Nodes;
using ContestPipeline.Stripe;

namespace ContestPipeline.StripeEmulation;

internal sealed record ApiCall(ApiParams Params, string? IdempotencyKey, string RequestId);

internal sealed record Reply(int Status, byte[] Body, bool Replayed = false, string? OriginalRequest = null);

/// <summary>
/// Everything the emulated Stripe account holds, behind one lock: an idempotency check, the
/// operation it guards and the saved result happen as one step, so two requests with the
/// same key can never both run. /v1 operations signal refusals with <see cref="ApiError"/>;
/// test-control operations with ArgumentException, InvalidOperationException and
/// KeyNotFoundException.
/// </summary>
internal sealed class EmulatorState(StripeEmulatorOptions options, WebhookDispatcher webhooks)
{
    private const string IdAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const int IdLength = 24;
    private const int AccountLinkLifetimeSeconds = 300;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private static readonly HashSet<string> PaymentIntentStatuses = ["succeeded", "requires_payment_method", "canceled"];

    private readonly Lock _gate = new();
    // Ids only; unseeded by default so events of two runs never share an id in a consumer's inbox.
    private readonly Random _ids = options.Seed is { } seed ? new Random(seed) : new Random();
    private readonly Balance _platform = new();
    private readonly Dictionary<string, PaymentIntent> _paymentIntents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Refund> _refunds = new(StringComparer.Ordinal);
    private readonly List<Refund> _refundLog = [];
    private readonly Dictionary<string, Account> _accounts = new(StringComparer.Ordinal);
    private readonly List<Transfer> _transfers = [];
    private readonly Dictionary<string, Transfer> _transfersById = new(StringComparer.Ordinal);
    private readonly List<TransferReversal> _reversals = [];
    private readonly Dictionary<string, Dispute> _disputes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Payout> _payouts = new(StringComparer.Ordinal);
    private readonly List<EventRecord> _events = [];
    private readonly Dictionary<(string ApiKey, string Key), Saved> _idempotency = [];
    private readonly HashSet<(string ApiKey, string Key)> _inFlight = [];
    private readonly List<RecordedRequest> _requests = [];

    private sealed record Saved(string Method, string Path, string Parameters, DateTimeOffset At, Reply Reply, string RequestId);

    /// <summary>Known once the server listens; onboarding links point back at it.</summary>
    public Uri BaseUrl { get; set; } = new("http://127.0.0.1/");

    private long Now => options.Clock.GetUtcNow().ToUnixTimeSeconds();

    // ---- the /v1 request path -------------------------------------------------------------

    public string NewRequestId()
    {
        lock (_gate) return NewId("req_", 14);
    }

    public void Record(RecordedRequest request)
    {
        lock (_gate) _requests.Add(request);
    }

    /// <summary>
    /// Stripe's idempotency: a key seen within the retention with the same endpoint and
    /// parameters replays the saved answer; with anything else it is refused (400
    /// idempotency_error); a key whose first request is still executing is answered 409
    /// (retry later, same key); otherwise the operation runs and its answer is saved, unless
    /// it was refused before running.
    /// </summary>
    public Reply Execute(string apiKey, string method, string path, string? key, ApiParams parameters, string requestId,
        Func<ApiCall, JsonObject> operation)
    {
        lock (_gate)
        {
            return Admit(apiKey, method, path, key, parameters) ?? Run(apiKey, method, path, key, parameters, requestId, operation);
        }
    }

    /// <summary>
    /// As <see cref="Execute"/>, for a request that takes <paramref name="duration"/> to run:
    /// its key is held in flight meanwhile, so a request with the same key gets 409, as from
    /// Stripe. The client going away does not stop it (Stripe finishes what it started).
    /// </summary>
    public async Task<Reply> ExecuteSlowlyAsync(string apiKey, string method, string path, string? key, ApiParams parameters, string requestId,
        Func<ApiCall, JsonObject> operation, TimeSpan duration)
    {
        lock (_gate)
        {
            if (Admit(apiKey, method, path, key, parameters) is { } early) return early;
            if (key is not null) _inFlight.Add((apiKey, key));
        }
        try
        {
            await Task.Delay(duration, CancellationToken.None);
        }
        finally
        {
            lock (_gate)
                if (key is not null) _inFlight.Remove((apiKey, key));
        }
        lock (_gate) return Run(apiKey, method, path, key, parameters, requestId, operation);
    }

    /// <summary>Stripe's 409 while another request with the key is being processed; saves nothing.</summary>
    public static Reply KeyInFlight(string? key) => ErrorReply(new ApiError(409, StripeErrorTypes.IdempotencyError,
        $"There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, " +
        $"and the other request is still going through): {key}. Please try again later.",
        StripeErrorCodes.IdempotencyKeyInUse, beforeExecution: true));

    /// <summary>The idempotency answer that comes before running (a replay, a conflict, a key in flight, a bad key), or null to run. Under the lock.</summary>
    private Reply? Admit(string apiKey, string method, string path, string? key, ApiParams parameters)
    {
        if (key is null) return null;
        if (key.Length > StripeApi.IdempotencyKeyLengthMax)
            return ErrorReply(ApiError.Parameter("idempotency_key_too_long", "Idempotency-Key",
                $"Idempotency keys are at most {StripeApi.IdempotencyKeyLengthMax} characters."));
        if (_inFlight.Contains((apiKey, key))) return KeyInFlight(key);
        var now = options.Clock.GetUtcNow();
        if (_idempotency.TryGetValue((apiKey, key), out var saved) && now - saved.At < options.IdempotencyKeyRetention)
        {
            if (saved.Method == method && saved.Path == path && saved.Parameters == parameters.Canonical)
                return saved.Reply with { Replayed = true, OriginalRequest = saved.RequestId };
            return ErrorReply(new ApiError(400, StripeErrorTypes.IdempotencyError,
                $"Keys for idempotent requests can only be used with the same parameters they were first used with. " +
                $"Try using a key other than '{key}' if you meant to execute a different request.",
                beforeExecution: true));
        }
        return null;
    }

    /// <summary>Runs the operation and saves its answer under the key. Under the lock.</summary>
    private Reply Run(string apiKey, string method, string path, string? key, ApiParams parameters, string requestId,
        Func<ApiCall, JsonObject> operation)
    {
        Reply reply;
        try
        {
            reply = new Reply(200, Serialize(operation(new ApiCall(parameters, key, requestId))));
        }
        catch (ApiError e)
        {
            reply = ErrorReply(e);
            if (e.BeforeExecution) return reply;
        }
        if (key is not null) _idempotency[(apiKey, key)] = new Saved(method, path, parameters.Canonical, options.Clock.GetUtcNow(), reply, requestId);
        return reply;
    }

    public static Reply ErrorReply(ApiError error) => new(error.Status, Serialize(error.Body()));

    // ---- /v1 operations: called by Execute, under the lock ---------------------------------

    public JsonObject GetPaymentIntent(string id, ApiCall call)
    {
        var p = call.Params.Expect("expand");
        var intent = Find(_paymentIntents, id, "payment_intent", "intent");
        var json = intent.ToJson();
        foreach (var field in p.List("expand"))
        {
            if (field != "latest_charge")
                throw ApiError.Parameter("parameter_invalid_string", "expand", $"This property cannot be expanded ({field}).");
            if (intent.ChargeId is not null) json["latest_charge"] = intent.ChargeJson();
        }
        return json;
    }

    public JsonObject CreateRefund(ApiCall call)
    {
        var p = call.Params.Expect("payment_intent", "amount", "metadata");
        var intent = Find(_paymentIntents, p.RequiredText("payment_intent"), "payment_intent", "payment_intent");
        var amount = p.Amount("amount");
        var metadata = p.Metadata();
        if (intent.ChargeId is null)
            throw ApiError.Refused("payment_intent_unexpected_state",
                $"This PaymentIntent ({intent.Id}) does not have a successful charge to refund.", "payment_intent");
        var left = intent.Amount - intent.AmountRefunded;
        if (left == 0)
            throw ApiError.Refused(StripeErrorCodes.ChargeAlreadyRefunded, $"Charge {intent.ChargeId} has already been refunded.");
        var refunded = amount ?? left;
        if (refunded > left)
            throw ApiError.Refused(StripeErrorCodes.AmountTooLarge,
                $"Refund amount ({refunded}) is greater than unrefunded amount on charge ({left})", "amount");

        var before = intent.ChargeJson();
        intent.AmountRefunded += refunded;
        // Stripe takes a refund from the available balance and lets it go negative
        // (recovered from pending funds or the bank) rather than refuse the customer.
        _platform.Add(_platform.Available, intent.Currency, -refunded);
        var refund = new Refund
        {
            Id = NewId("re_"), PaymentIntent = intent, Amount = refunded, Created = Now, Metadata = metadata,
            IdempotencyKey = call.IdempotencyKey,
        };
        _refunds.Add(refund.Id, refund);
        _refundLog.Add(refund);
        var after = intent.ChargeJson();
        Emit("charge.refunded", after, null, Changed(before, after), call);
        return refund.ToJson();
    }

    public JsonObject GetRefund(string id, ApiCall call)
    {
        call.Params.Expect();
        return Find(_refunds, id, "refund").ToJson();
    }

    public JsonObject CreateAccount(ApiCall call)
    {
        var p = call.Params.Expect("type", "country", "email", "capabilities[transfers][requested]", "metadata");
        if (p.RequiredText("type") != "express")
            throw ApiError.Parameter("parameter_invalid_string", "type", "Only Express accounts are emulated: type must be 'express'.");
        var country = p.Text("country") ?? "US";
        if (country.Length != 2 || !country.All(char.IsAsciiLetterUpper))
            throw ApiError.Parameter("parameter_invalid_string", "country", $"Invalid country: {country}.");
        var account = new Account
        {
            Id = NewId("acct_", 16), Country = country, Email = p.Text("email"), Created = Now, Metadata = p.Metadata(),
            TransfersRequested = p.Text("capabilities[transfers][requested]") == "true",
        };
        _accounts.Add(account.Id, account);
        return account.ToJson();
    }

    public JsonObject GetAccount(string id, ApiCall call)
    {
        call.Params.Expect();
        return Find(_accounts, id, "account", "account").ToJson();
    }

    public JsonObject CreateAccountLink(ApiCall call)
    {
        var p = call.Params.Expect("account", "refresh_url", "return_url", "type");
        var account = Find(_accounts, p.RequiredText("account"), "account", "account");
        p.RequiredText("refresh_url");
        var returnUrl = p.RequiredText("return_url");
        if (p.RequiredText("type") != "account_onboarding")
            throw ApiError.Parameter("parameter_invalid_string", "type", "Only type=account_onboarding is emulated.");
        var created = Now;
        // Each link is a new one, as Stripe's are: a link made again is never the one made before.
        var link = NewId("al_");
        return new JsonObject
        {
            ["object"] = "account_link",
            ["created"] = created,
            ["expires_at"] = created + AccountLinkLifetimeSeconds,
            ["url"] = new Uri(BaseUrl, $"_emulator/onboarding/{account.Id}?link={link}&return_url={Uri.EscapeDataString(returnUrl)}").ToString(),
        };
    }

    public JsonObject CreateTransfer(ApiCall call)
    {
        var p = call.Params.Expect("amount", "currency", "destination", "transfer_group", "description", "metadata");
        var amount = p.RequiredAmount("amount");
        var currency = p.RequiredCurrency();
        var destinationId = p.RequiredText("destination");
        var destination = Find(_accounts, destinationId, "destination", "destination");
        var metadata = p.Metadata();
        if (!destination.CanReceiveTransfers)
            throw ApiError.Refused(StripeErrorCodes.InsufficientCapabilitiesForTransfer,
                "Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments",
                "destination");
        if (_platform.AvailableIn(currency) < amount)
            throw ApiError.Refused(StripeErrorCodes.BalanceInsufficient,
                "You have insufficient available funds in your Stripe account. You can use the /v1/balance endpoint to view your Stripe balance.");

        _platform.Add(_platform.Available, currency, -amount);
        destination.Balance.Add(destination.Balance.Available, currency, amount);
        var transfer = new Transfer
        {
            Id = NewId("tr_"), Amount = amount, Currency = currency, Destination = destination.Id,
            TransferGroup = p.Text("transfer_group"), Description = p.Text("description"), Created = Now,
            Metadata = metadata, IdempotencyKey = call.IdempotencyKey, DestinationPayment = NewId("py_"),
        };
        _transfers.Add(transfer);
        _transfersById.Add(transfer.Id, transfer);
        Emit("transfer.created", transfer.ToJson(), null, null, call);
        return transfer.ToJson();
    }

    public JsonObject GetTransfer(string id, ApiCall call)
    {
        call.Params.Expect();
        return Find(_transfersById, id, "transfer").ToJson();
    }

    public JsonObject ListTransfers(ApiCall call)
    {
        var p = call.Params.Expect("transfer_group", "limit", "starting_after");
        var group = p.Text("transfer_group");
        var matching = Enumerable.Reverse(_transfers).Where(t => group is null || t.TransferGroup == group);
        return Page("/v1/transfers", matching, t => t.Id, t => t.ToJson(), p, "transfer");
    }

    public JsonObject CreateTransferReversal(string transferId, ApiCall call)
    {
        var p = call.Params.Expect("amount", "description", "metadata");
        var transfer = Find(_transfersById, transferId, "transfer");
        var amount = p.Amount("amount");
        var metadata = p.Metadata();
        var left = transfer.Amount - transfer.AmountReversed;
        var reversed = amount ?? left;
        if (left == 0 || reversed > left)
            throw ApiError.Refused(StripeErrorCodes.AmountTooLarge,
                $"Reversal amount ({reversed}) is greater than the amount left on transfer {transfer.Id} ({left}).", "amount");
        var destination = _accounts[transfer.Destination];
        if (destination.Balance.AvailableIn(transfer.Currency) < reversed)
            throw ApiError.Refused(StripeErrorCodes.BalanceInsufficient,
                $"The destination account {destination.Id} has insufficient funds to reverse this transfer.");

        var before = transfer.ToJson();
        destination.Balance.Add(destination.Balance.Available, transfer.Currency, -reversed);
        _platform.Add(_platform.Available, transfer.Currency, reversed);
        var reversal = new TransferReversal
        {
            Id = NewId("trr_"), Transfer = transfer, Amount = reversed, Created = Now, Metadata = metadata,
            IdempotencyKey = call.IdempotencyKey,
        };
        transfer.Reversals.Add(reversal);
        _reversals.Add(reversal);
        var after = transfer.ToJson();
        Emit("transfer.reversed", after, null, Changed(before, after), call);
        return reversal.ToJson();
    }

    public JsonObject GetBalance(ApiCall call)
    {
        call.Params.Expect();
        return _platform.ToJson();
    }

    public JsonObject ListEvents(ApiCall call)
    {
        var p = call.Params.Expect("type", "limit", "starting_after");
        var type = p.Text("type");
        var matching = Enumerable.Reverse(_events).Where(e => type is null || e.Type == type);
        return Page("/v1/events", matching, e => e.Id, e => JsonNode.Parse(e.Payload)!, p, "event");
    }

    // ---- test control: called by the emulator's C# API and /_emulator ----------------------

    public string CreatePaymentIntent(long amount, string currency, string status, IReadOnlyDictionary<string, string>? metadata, bool pending)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(amount, 1);
        if (!PaymentIntentStatuses.Contains(status))
            throw new ArgumentException($"status is one of {string.Join(", ", PaymentIntentStatuses)}", nameof(status));
        currency = Currency(currency);
        lock (_gate)
        {
            var succeeded = status == "succeeded";
            var intent = new PaymentIntent
            {
                Id = NewId("pi_"), Amount = amount, Currency = currency, Status = status, Created = Now,
                Metadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal),
                ChargeId = succeeded ? NewId("ch_") : null,
            };
            _paymentIntents.Add(intent.Id, intent);
            if (succeeded)
            {
                _platform.Add(pending ? _platform.Pending : _platform.Available, currency, amount);
                // As Stripe does once a payment completes: the platform's endpoint hears of it, signed.
                Emit("payment_intent.succeeded", intent.ToJson(), null, null, null);
            }
            return intent.Id;
        }
    }

    public void TopUp(long amount, string currency, bool pending)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(amount, 1);
        currency = Currency(currency);
        lock (_gate) _platform.Add(pending ? _platform.Pending : _platform.Available, currency, amount);
    }

    public void ReleasePending()
    {
        lock (_gate)
        {
            foreach (var (currency, amount) in _platform.Pending.ToList())
            {
                _platform.Add(_platform.Available, currency, amount);
                _platform.Pending[currency] = 0;
            }
        }
    }

    /// <summary>The account holder finished onboarding: transfers become active, and Stripe says so with account.updated.</summary>
    public void CompleteOnboarding(string accountId)
    {
        lock (_gate)
        {
            var account = Control(_accounts, accountId);
            if (account.Onboarded) return;
            var before = account.ToJson();
            account.Onboarded = true;
            var after = account.ToJson();
            Emit("account.updated", after, account.Id, Changed(before, after), null);
        }
    }

    public string CreateDispute(string paymentIntentId, long? amount, string reason)
    {
        lock (_gate)
        {
            var intent = Control(_paymentIntents, paymentIntentId);
            if (intent.ChargeId is null) throw new InvalidOperationException($"{intent.Id} has no successful charge to dispute");
            var disputed = amount ?? intent.Amount;
            if (disputed < 1 || disputed > intent.Amount)
                throw new ArgumentOutOfRangeException(nameof(amount), disputed, $"1..{intent.Amount}");
            // Stripe withdraws the disputed amount from the platform at once and returns it if the dispute is won.
            _platform.Add(_platform.Available, intent.Currency, -disputed);
            intent.Disputed = true;
            var dispute = new Dispute { Id = NewId("dp_"), PaymentIntent = intent, Amount = disputed, Reason = reason, Created = Now };
            _disputes.Add(dispute.Id, dispute);
            Emit("charge.dispute.created", dispute.ToJson(), null, null, null);
            return dispute.Id;
        }
    }

    /// <summary>A dispute as it stands now (GET /v1/disputes/{id}): its status moves only by <see cref="CloseDispute"/>.</summary>
    public JsonObject GetDispute(string id, ApiCall call)
    {
        call.Params.Expect();
        return Find(_disputes, id, "dispute").ToJson();
    }

    public void CloseDispute(string disputeId, bool won)
    {
        lock (_gate)
        {
            var dispute = Control(_disputes, disputeId);
            if (dispute.Status != "needs_response") throw new InvalidOperationException($"dispute {dispute.Id} is already {dispute.Status}");
            var before = dispute.ToJson();
            dispute.Status = won ? "won" : "lost";
            if (won) _platform.Add(_platform.Available, dispute.PaymentIntent.Currency, dispute.Amount);
            var after = dispute.ToJson();
            Emit("charge.dispute.closed", after, null, Changed(before, after), null);
        }
    }

    /// <summary>A connected account's bank payout; paid takes the money out of the account's balance, failed leaves it there.</summary>
    public string CreatePayout(string accountId, long amount, string currency, string? failureCode)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(amount, 1);
        currency = Currency(currency);
        lock (_gate)
        {
            var account = Control(_accounts, accountId);
            if (failureCode is null)
            {
                if (account.Balance.AvailableIn(currency) < amount)
                    throw new InvalidOperationException($"account {account.Id} holds {account.Balance.AvailableIn(currency)} {currency}, less than {amount}");
                account.Balance.Add(account.Balance.Available, currency, -amount);
            }
            var payout = new Payout { Id = NewId("po_"), Account = account, Amount = amount, Currency = currency, Created = Now, FailureCode = failureCode };
            _payouts.Add(payout.Id, payout);
            Emit(failureCode is null ? "payout.paid" : "payout.failed", payout.ToJson(), account.Id, null, null);
            return payout.Id;
        }
    }

    /// <summary>An event of any type about an existing object, as it stands now (transfer.updated, legacy transfer.paid, ...).</summary>
    public string EmitEvent(string type, string objectId)
    {
        lock (_gate)
        {
            if (_transfersById.TryGetValue(objectId, out var transfer)) return Emit(type, transfer.ToJson(), null, null, null).Id;
            if (_accounts.TryGetValue(objectId, out var account)) return Emit(type, account.ToJson(), account.Id, null, null).Id;
            if (_paymentIntents.TryGetValue(objectId, out var intent)) return Emit(type, intent.ToJson(), null, null, null).Id;
            if (_refunds.TryGetValue(objectId, out var refund)) return Emit(type, refund.ToJson(), null, null, null).Id;
            if (_disputes.TryGetValue(objectId, out var dispute)) return Emit(type, dispute.ToJson(), null, null, null).Id;
            if (_payouts.TryGetValue(objectId, out var payout)) return Emit(type, payout.ToJson(), payout.Account.Id, null, null).Id;
            throw new KeyNotFoundException($"no object {objectId}");
        }
    }

    public void Redeliver(string eventId, TimeSpan delay)
    {
        EventRecord record;
        lock (_gate) record = _events.Find(e => e.Id == eventId) ?? throw new KeyNotFoundException($"no event {eventId}");
        webhooks.Redeliver(record, delay);
    }

    public StripeEmulatorLedger Ledger()
    {
        lock (_gate)
        {
            return new StripeEmulatorLedger(
                _transfers.Select(t => new RecordedTransfer(t.Id, t.Amount, t.Currency, t.Destination, t.TransferGroup,
                    t.IdempotencyKey, t.Metadata, t.Created)).ToList(),
                _reversals.Select(r => new RecordedReversal(r.Id, r.Transfer.Id, r.Amount, r.Transfer.Currency,
                    r.IdempotencyKey, r.Metadata, r.Created)).ToList(),
                _refundLog.Select(r => new RecordedRefund(r.Id, r.PaymentIntent.Id, r.Amount,
                    r.PaymentIntent.Currency, r.IdempotencyKey, r.Metadata, r.Created)).ToList());
        }
    }

    /// <summary>How many transfers were made, without copying them (a poll's cheap question).</summary>
    public int TransferCount()
    {
        lock (_gate) return _transfers.Count;
    }

    public IReadOnlyList<string> KeysInFlight()
    {
        lock (_gate) return [.. _inFlight.Select(k => k.Key)];
    }

    public IReadOnlyList<RecordedRequest> Requests()
    {
        lock (_gate) return _requests.ToList();
    }

    public IReadOnlyList<RecordedEvent> Events()
    {
        lock (_gate) return _events.Select(e => new RecordedEvent(e.Id, e.Type, e.Account, e.ObjectId, e.Created)).ToList();
    }

    public BalanceAmounts PlatformBalance(string currency)
    {
        currency = Currency(currency);
        lock (_gate) return new BalanceAmounts(_platform.AvailableIn(currency), _platform.Pending.GetValueOrDefault(currency));
    }

    public long AccountBalance(string accountId, string currency)
    {
        currency = Currency(currency);
        lock (_gate) return Control(_accounts, accountId).Balance.AvailableIn(currency);
    }

    // ---- helpers -------------------------------------------------------------------------

    private EventRecord Emit(string type, JsonObject obj, string? account, JsonObject? previous, ApiCall? call)
    {
        var data = new JsonObject { ["object"] = obj };
        if (previous is not null) data["previous_attributes"] = previous;
        var id = NewId("evt_");
        var created = Now;
        var json = new JsonObject { ["id"] = id, ["object"] = "event" };
        if (account is not null) json["account"] = account;
        json["api_version"] = StripeSettings.ApiVersion;
        json["created"] = created;
        json["data"] = data;
        json["livemode"] = false;
        json["pending_webhooks"] = webhooks.Endpoint is null ? 0 : 1;
        json["request"] = new JsonObject { ["id"] = call?.RequestId, ["idempotency_key"] = call?.IdempotencyKey };
        json["type"] = type;
        var record = new EventRecord(id, type, account, obj["id"]!.GetValue<string>(), created, Serialize(json));
        _events.Add(record);
        webhooks.Publish(record);
        return record;
    }

    /// <summary>Stripe's previous_attributes: the old value of every top-level field that changed.</summary>
    private static JsonObject Changed(JsonObject before, JsonObject after)
    {
        var changed = new JsonObject();
        foreach (var (name, value) in before)
            if (!JsonNode.DeepEquals(value, after[name])) changed[name] = value?.DeepClone();
        return changed;
    }

    private static JsonObject Page<T>(string url, IEnumerable<T> newestFirst, Func<T, string> id, Func<T, JsonNode> json,
        ApiParams p, string kind)
    {
        var limit = p.Limit();
        var items = newestFirst.ToList();
        if (p.Text("starting_after") is { } after)
        {
            var index = items.FindIndex(i => id(i) == after);
            if (index < 0) throw ApiError.Missing(kind, after, "starting_after");
            items = items.Skip(index + 1).ToList();
        }
        return Json.List(url, items.Take(limit).Select(json), hasMore: items.Count > limit);
    }

    private static T Find<T>(Dictionary<string, T> objects, string id, string kind, string param = "id") =>
        objects.TryGetValue(id, out var found) ? found : throw ApiError.Missing(kind, id, param);

    private static T Control<T>(Dictionary<string, T> objects, string id) =>
        objects.TryGetValue(id, out var found) ? found : throw new KeyNotFoundException($"no {typeof(T).Name.ToLowerInvariant()} {id}");

    private static string Currency(string currency) =>
        currency.Length == 3 && currency.All(char.IsAsciiLetter)
            ? currency.ToLowerInvariant()
            : throw new ArgumentException($"not an ISO currency code: {currency}", nameof(currency));

    private string NewId(string prefix, int length = IdLength) =>
        string.Create(prefix.Length + length, (prefix, _ids), static (span, state) =>
        {
            state.prefix.CopyTo(span);
            for (var i = state.prefix.Length; i < span.Length; i++) span[i] = IdAlphabet[state._ids.Next(IdAlphabet.Length)];
        });

    private static byte[] Serialize(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, Indented);
}
