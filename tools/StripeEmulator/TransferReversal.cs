using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

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
