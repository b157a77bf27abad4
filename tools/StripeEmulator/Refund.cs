using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

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
