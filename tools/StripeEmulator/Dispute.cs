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
