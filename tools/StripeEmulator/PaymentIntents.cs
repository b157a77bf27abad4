using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

/// <summary>The platform's payments: payment intents, each succeeded one with its charge.</summary>
internal sealed class PaymentIntents(EmulatorCore core, Balances balances, ProcessingFee fee)
{
    private static readonly HashSet<string> Statuses = ["succeeded", "requires_payment_method", "canceled"];

    private static readonly Listing<PaymentIntent> ListedIntents =
        new("/v1/payment_intents", "payment_intent", i => i.Id, i => i.Created, i => i.ToJson());
    private static readonly Listing<PaymentIntent> ListedIntentsWithCharges =
        new("/v1/payment_intents", "payment_intent", i => i.Id, i => i.Created, i => i.ToJson(expandCharge: true));
    private static readonly Listing<PaymentIntent> ListedIntentsWithFees =
        new("/v1/payment_intents", "payment_intent", i => i.Id, i => i.Created,
            i => i.ToJson(expandCharge: true, expandBalanceTransaction: true));
    private static readonly Listing<PaymentIntent> ListedCharges =
        new("/v1/charges", "charge", i => i.ChargeId!, i => i.Created, i => i.ChargeJson());

    private readonly Dictionary<string, PaymentIntent> _byId = new(StringComparer.Ordinal);
    private readonly List<PaymentIntent> _all = [];
    // Every charge is a succeeded payment intent's: a charge is its intent seen as the money that came in.
    private readonly Dictionary<string, PaymentIntent> _byCharge = new(StringComparer.Ordinal);
    private readonly List<PaymentIntent> _charged = [];

    /// <summary>A payment intent named by a /v1 parameter (under the lock).</summary>
    public PaymentIntent Find(string id, string param) => ObjectLookup.Api(_byId, id, "payment_intent", param);

    /// <summary>A payment intent named by test control (under the lock).</summary>
    public PaymentIntent Control(string id) => ObjectLookup.Control(_byId, id);

    public bool TryFind(string id, out PaymentIntent intent) => _byId.TryGetValue(id, out intent!);

    /// <summary>
    /// GET /v1/payment_intents/{id}, with its latest charge expanded when asked (latest_charge), and that charge's
    /// balance transaction (latest_charge.balance_transaction, which expands the charge too).
    /// </summary>
    public JsonObject Get(string id, ApiCall call)
    {
        var p = call.Params.Expect("expand");
        var intent = Find(id, "intent");
        var (charge, fees) = Expanded(call, p.List("expand"), "");
        return intent.ToJson(charge, fees);
    }

    /// <summary>
    /// GET /v1/payment_intents: newest first, each with its latest charge expanded when asked (data.latest_charge),
    /// and that charge's balance transaction (data.latest_charge.balance_transaction).
    /// </summary>
    public JsonObject List(ApiCall call)
    {
        var p = call.Params.ExpectList("expand");
        var (charge, fees) = Expanded(call, p.List("expand"), "data.");
        return (fees ? ListedIntentsWithFees : charge ? ListedIntentsWithCharges : ListedIntents).Page(_all, p);
    }

    /// <summary>
    /// Which of the charge and its balance transaction the expand fields ask for: the charge needs charges read, its
    /// balance transaction the balance read too.
    /// </summary>
    private static (bool Charge, bool BalanceTransaction) Expanded(ApiCall call, IEnumerable<string> fields,
        string prefix)
    {
        var (charge, transaction) = (false, false);
        foreach (var field in fields)
        {
            if (field == prefix + "latest_charge") charge = true;
            else if (field == prefix + "latest_charge.balance_transaction")
            {
                call.Require(StripePermissions.BalanceRead);
                charge = transaction = true;
            }
            else
                throw ApiError.Parameter("parameter_invalid_string", "expand",
                    $"This property cannot be expanded ({field}).");
            call.Require(StripePermissions.ChargeRead);
        }
        return (charge, transaction);
    }

    /// <summary>GET /v1/charges/{id}</summary>
    public JsonObject GetCharge(string id, ApiCall call)
    {
        call.Params.Expect();
        return ObjectLookup.Api(_byCharge, id, "charge").ChargeJson();
    }

    /// <summary>
    /// GET /v1/charges: of one payment intent (or transfer group, which no emulated charge has), newest first.
    /// </summary>
    public JsonObject ListCharges(ApiCall call)
    {
        var p = call.Params.ExpectList("payment_intent", "transfer_group");
        var intent = p.Text("payment_intent");
        var group = p.Text("transfer_group");
        return ListedCharges.Page(_charged, p, i => (intent is null || i.Id == intent) && group is null);
    }

    /// <summary>
    /// A payment intent in the given status; a succeeded one adds its amount less Stripe's fee to the platform balance
    /// (available, or pending) and is announced with payment_intent.succeeded, as Stripe does once a payment completes.
    /// </summary>
    public string Create(long amount, string currency, string status, IReadOnlyDictionary<string, string>? metadata,
        bool pending)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(amount, 1);
        if (!Statuses.Contains(status))
            throw new ArgumentException($"status is one of {string.Join(", ", Statuses)}", nameof(status));
        currency = ObjectLookup.Currency(currency);
        lock (core.Gate)
        {
            var succeeded = status == "succeeded";
            var intent = new PaymentIntent
            {
                Id = core.Ids.New("pi_"), Amount = amount, Currency = currency, Status = status,
                Created = core.Clock.Now,
                Metadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(),
                    StringComparer.Ordinal),
                ChargeId = succeeded ? core.Ids.New("ch_") : null,
                BalanceTransactionId = succeeded ? core.Ids.New("txn_") : null,
                Fee = succeeded ? fee.Of(amount) : 0,
            };
            _byId.Add(intent.Id, intent);
            _all.Add(intent);
            if (succeeded)
            {
                _byCharge.Add(intent.ChargeId!, intent);
                _charged.Add(intent);
                var platform = balances.Platform;
                platform.Add(pending ? platform.Pending : platform.Available, currency, amount - intent.Fee);
                core.Events.Emit("payment_intent.succeeded", intent.ToJson(), null, null, null);
            }
            return intent.Id;
        }
    }
}
