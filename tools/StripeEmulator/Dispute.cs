using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

internal sealed class Dispute
{
    public required string Id { get; init; }
    public required PaymentIntent PaymentIntent { get; init; }
    public required long Amount { get; init; }
    public required string Reason { get; init; }
    public required long Created { get; init; }
    public string Status { get; set; } = "needs_response";

    /// <summary>What the dispute took from the platform's balance and gave back, as Stripe lists them on it.</summary>
    public List<DisputeFunds> Funds { get; } = [];

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["object"] = "dispute",
        ["amount"] = Amount,
        ["balance_transactions"] = Json.Array(Funds.Select(f => (JsonNode)f.ToJson(PaymentIntent.Currency, Id))),
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

/// <summary>
/// One balance transaction of a dispute: <see cref="Amount"/> negative when funds are withdrawn, positive when they are
/// reinstated; <see cref="Fee"/> Stripe's dispute fee taken with it (negative when given back). Net is what the
/// platform's balance moved by.
/// </summary>
internal sealed record DisputeFunds(string Id, long Amount, long Fee, long Created)
{
    public long Net => Amount - Fee;

    public JsonObject ToJson(string currency, string disputeId) => new()
    {
        ["id"] = Id,
        ["object"] = "balance_transaction",
        ["amount"] = Amount,
        ["created"] = Created,
        ["currency"] = currency,
        ["description"] = $"Chargeback {(Amount < 0 ? "withdrawal" : "reversal")} for {disputeId}",
        ["fee"] = Fee,
        ["net"] = Net,
        ["reporting_category"] = "dispute" + (Amount < 0 ? "" : "_reversal"),
        ["source"] = disputeId,
        ["type"] = "adjustment",
    };
}
