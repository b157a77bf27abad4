using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// Money moved from the platform's balance to a connected account's, with what was taken back since. A transfer
/// that failed (as legacy transfers could) carries the failure code and message, and its money is back.
/// </summary>
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
    public string? FailureCode { get; set; }

    public long AmountReversed => Reversals.Sum(r => r.Amount);

    public JsonObject ToJson()
    {
        var json = Fields();
        if (FailureCode is not null)
        {
            // The fields of a legacy failed transfer, as Stripe wrote them before the 2017 transfer/payout split.
            json["failure_code"] = FailureCode;
            json["failure_message"] = FailureCodes.Message(FailureCode);
            json["status"] = "failed";
        }
        return json;
    }

    private JsonObject Fields() => new()
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
