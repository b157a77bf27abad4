using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

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
        ["reversals"] = Json.List($"/v1/transfers/{Id}/reversals", Reversals.Select(r => (JsonNode)r.ToJson()),
            hasMore: false),
        ["reversed"] = AmountReversed == Amount,
        ["source_transaction"] = null,
        ["source_type"] = "card",
        ["transfer_group"] = TransferGroup,
    };
}
