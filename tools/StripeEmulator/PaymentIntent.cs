using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

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
    /// <summary>The charge's balance transaction, and Stripe's fee on it (what the balance did not get).</summary>
    public string? BalanceTransactionId { get; init; }
    public long Fee { get; init; }
    public long AmountRefunded { get; set; }
    public bool Disputed { get; set; }

    /// <summary>
    /// The intent as Stripe answers it; its latest charge as an object when expanded, else its id, and the charge's
    /// balance transaction as an object when that is expanded too.
    /// </summary>
    public JsonObject ToJson(bool expandCharge = false, bool expandBalanceTransaction = false) => new()
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
        ["latest_charge"] = expandCharge && ChargeId is not null ? ChargeJson(expandBalanceTransaction) : ChargeId,
        ["livemode"] = false,
        ["metadata"] = Json.Metadata(Metadata),
        ["status"] = Status,
    };

    public JsonObject ChargeJson(bool expandBalanceTransaction = false) => new()
    {
        ["id"] = ChargeId,
        ["object"] = "charge",
        ["amount"] = Amount,
        ["amount_captured"] = Amount,
        ["amount_refunded"] = AmountRefunded,
        ["balance_transaction"] = expandBalanceTransaction ? BalanceTransactionJson() : BalanceTransactionId,
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

    /// <summary>The charge's balance transaction: what it brought to the balance, Stripe's fee, and the rest.</summary>
    public JsonObject BalanceTransactionJson() => new()
    {
        ["id"] = BalanceTransactionId,
        ["object"] = "balance_transaction",
        ["amount"] = Amount,
        ["created"] = Created,
        ["currency"] = Currency,
        ["description"] = null,
        ["fee"] = Fee,
        ["fee_details"] = Fee == 0 ? new JsonArray() : new JsonArray(new JsonObject
        {
            ["amount"] = Fee, ["application"] = null, ["currency"] = Currency,
            ["description"] = "Stripe processing fees", ["type"] = "stripe_fee",
        }),
        ["net"] = Amount - Fee,
        ["reporting_category"] = "charge",
        ["source"] = ChargeId,
        ["type"] = "charge",
    };
}
