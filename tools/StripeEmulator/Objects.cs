using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

// The emulator's objects and the JSON Stripe gives for them. The shapes are written out
// here field by field, apart from the client's records, so a field the client misreads
// shows up as a failing test instead of agreeing with itself.

internal static class Json
{
    public static JsonObject Metadata(IReadOnlyDictionary<string, string> metadata) =>
        new(metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));

    public static JsonArray Array(IEnumerable<JsonNode> items) => new(items.ToArray<JsonNode?>());

    public static JsonArray Strings(IEnumerable<string> items) => new(items.Select(s => (JsonNode?)s).ToArray());

    public static JsonObject List(string url, IEnumerable<JsonNode> items, bool hasMore) => new()
    {
        ["object"] = "list",
        ["data"] = Array(items),
        ["has_more"] = hasMore,
        ["url"] = url,
    };
}

internal sealed class Balance
{
    public Dictionary<string, long> Available { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, long> Pending { get; } = new(StringComparer.Ordinal);

    public long AvailableIn(string currency) => Available.GetValueOrDefault(currency);

    public void Add(Dictionary<string, long> side, string currency, long amount) =>
        side[currency] = checked(side.GetValueOrDefault(currency) + amount);

    public JsonObject ToJson()
    {
        var currencies = Available.Keys.Union(Pending.Keys).Order(StringComparer.Ordinal).DefaultIfEmpty("usd").ToList();
        JsonNode Amounts(Dictionary<string, long> side) => Json.Array(currencies.Select(c => (JsonNode)new JsonObject
        {
            ["amount"] = side.GetValueOrDefault(c),
            ["currency"] = c,
            ["source_types"] = new JsonObject { ["card"] = side.GetValueOrDefault(c) },
        }));
        return new JsonObject
        {
            ["object"] = "balance",
            ["available"] = Amounts(Available),
            ["pending"] = Amounts(Pending),
            ["livemode"] = false,
        };
    }
}

internal sealed class PaymentIntent
{
    public required string Id { get; init; }
    public required long Amount { get; init; }
    public required string Currency { get; init; }
    public required string Status { get; init; }
    public required long Created { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }
    /// <summary>The charge of a succeeded intent: refunds and disputes hang off it.</summary>
    public string? ChargeId { get; init; }
    public long AmountRefunded { get; set; }
    public bool Disputed { get; set; }

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["object"] = "payment_intent",
        ["amount"] = Amount,
        ["amount_capturable"] = 0,
        ["amount_received"] = Status == "succeeded" ? Amount : 0,
        ["capture_method"] = "automatic",
        ["created"] = Created,
        ["currency"] = Currency,
        ["description"] = null,
        ["latest_charge"] = ChargeId,
        ["livemode"] = false,
        ["metadata"] = Json.Metadata(Metadata),
        ["status"] = Status,
    };

    public JsonObject ChargeJson() => new()
    {
        ["id"] = ChargeId,
        ["object"] = "charge",
        ["amount"] = Amount,
        ["amount_captured"] = Amount,
        ["amount_refunded"] = AmountRefunded,
        ["captured"] = true,
        ["created"] = Created,
        ["currency"] = Currency,
        ["disputed"] = Disputed,
        ["livemode"] = false,
        ["metadata"] = Json.Metadata(Metadata),
        ["paid"] = true,
        ["payment_intent"] = Id,
        ["refunded"] = AmountRefunded == Amount,
        ["status"] = "succeeded",
    };
}

internal sealed class Refund
{
    public required string Id { get; init; }
    public required PaymentIntent PaymentIntent { get; init; }
    public required long Amount { get; init; }
    public required long Created { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }
    public required string? IdempotencyKey { get; init; }

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["object"] = "refund",
        ["amount"] = Amount,
        ["charge"] = PaymentIntent.ChargeId,
        ["created"] = Created,
        ["currency"] = PaymentIntent.Currency,
        ["metadata"] = Json.Metadata(Metadata),
        ["payment_intent"] = PaymentIntent.Id,
        ["reason"] = null,
        ["status"] = "succeeded",
    };
}

internal sealed class Account
{
    // What Stripe lists for a new Express account before its holder finishes onboarding.
    private static readonly string[] OnboardingDue = ["business_type", "external_account", "tos_acceptance.date", "tos_acceptance.ip"];

    public required string Id { get; init; }
    public required string Country { get; init; }
    public required string? Email { get; init; }
    public required long Created { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }
    public required bool TransfersRequested { get; init; }
    public bool Onboarded { get; set; }
    public Balance Balance { get; } = new();

    public bool CanReceiveTransfers => TransfersRequested && Onboarded;

    public JsonObject ToJson()
    {
        var capabilities = new JsonObject();
        if (TransfersRequested) capabilities["transfers"] = Onboarded ? "active" : "inactive";
        string[] due = Onboarded ? [] : OnboardingDue;
        return new JsonObject
        {
            ["id"] = Id,
            ["object"] = "account",
            ["business_type"] = null,
            ["capabilities"] = capabilities,
            ["charges_enabled"] = Onboarded,
            ["country"] = Country,
            ["created"] = Created,
            ["details_submitted"] = Onboarded,
            ["email"] = Email,
            ["metadata"] = Json.Metadata(Metadata),
            ["payouts_enabled"] = Onboarded,
            ["requirements"] = new JsonObject
            {
                ["currently_due"] = Json.Strings(due),
                ["eventually_due"] = Json.Strings(due),
                ["past_due"] = Json.Strings(due),
                ["disabled_reason"] = Onboarded ? null : "requirements.past_due",
            },
            ["type"] = "express",
        };
    }
}

internal sealed class Transfer
{
    public required string Id { get; init; }
    public required long Amount { get; init; }
    public required string Currency { get; init; }
    public required string Destination { get; init; }
    public required string? TransferGroup { get; init; }
    public required string? Description { get; init; }
    public required long Created { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }
    public required string? IdempotencyKey { get; init; }
    public required string DestinationPayment { get; init; }
    public List<TransferReversal> Reversals { get; } = [];

    public long AmountReversed => Reversals.Sum(r => r.Amount);

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["object"] = "transfer",
        ["amount"] = Amount,
        ["amount_reversed"] = AmountReversed,
        ["created"] = Created,
        ["currency"] = Currency,
        ["description"] = Description,
        ["destination"] = Destination,
        ["destination_payment"] = DestinationPayment,
        ["livemode"] = false,
        ["metadata"] = Json.Metadata(Metadata),
        ["reversals"] = Json.List($"/v1/transfers/{Id}/reversals", Reversals.Select(r => (JsonNode)r.ToJson()), hasMore: false),
        ["reversed"] = AmountReversed == Amount,
        ["source_transaction"] = null,
        ["source_type"] = "card",
        ["transfer_group"] = TransferGroup,
    };
}

internal sealed class TransferReversal
{
    public required string Id { get; init; }
    public required Transfer Transfer { get; init; }
    public required long Amount { get; init; }
    public required long Created { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }
    public required string? IdempotencyKey { get; init; }

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["object"] = "transfer_reversal",
        ["amount"] = Amount,
        ["created"] = Created,
        ["currency"] = Transfer.Currency,
        ["metadata"] = Json.Metadata(Metadata),
        ["transfer"] = Transfer.Id,
    };
}

internal sealed class Dispute
{
    public required string Id { get; init; }
    public required PaymentIntent PaymentIntent { get; init; }
    public required long Amount { get; init; }
    public required string Reason { get; init; }
    public required long Created { get; init; }
    public string Status { get; set; } = "needs_response";

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["object"] = "dispute",
        ["amount"] = Amount,
        ["charge"] = PaymentIntent.ChargeId,
        ["created"] = Created,
        ["currency"] = PaymentIntent.Currency,
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["payment_intent"] = PaymentIntent.Id,
        ["reason"] = Reason,
        ["status"] = Status,
    };
}

/// <summary>A connected account's payout to its bank: the winner's own money leaving Stripe.</summary>
internal sealed class Payout
{
    public required string Id { get; init; }
    public required Account Account { get; init; }
    public required long Amount { get; init; }
    public required string Currency { get; init; }
    public required long Created { get; init; }
    public required string? FailureCode { get; init; }

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["object"] = "payout",
        ["amount"] = Amount,
        ["arrival_date"] = Created,
        ["created"] = Created,
        ["currency"] = Currency,
        ["failure_code"] = FailureCode,
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["method"] = "standard",
        ["status"] = FailureCode is null ? "paid" : "failed",
        ["type"] = "bank_account",
    };
}

/// <summary>An event as stored and delivered: the payload is fixed when the event is made.</summary>
internal sealed record EventRecord(string Id, string Type, string? Account, string ObjectId, long Created, byte[] Payload);
