using System.Text.Json.Nodes;

namespace ContestPipeline.StripeEmulation;

/// <summary>A connected account's payout to its bank: the winner's own money leaving Stripe.</summary>
internal sealed class Payout
{
    public required string Id { get; init; }
    public required Account Account { get; init; }
    public required long Amount { get; init; }
    public required string Currency { get; init; }
    public required long Created { get; init; }
    public required string? FailureCode { get; init; }
    public required string? FailureMessage { get; init; }

    public string Status => FailureCode is null ? "paid" : "failed";

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["object"] = "payout",
        ["amount"] = Amount,
        ["arrival_date"] = Created,
        ["created"] = Created,
        ["currency"] = Currency,
        ["failure_code"] = FailureCode,
        ["failure_message"] = FailureMessage,
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["method"] = "standard",
        ["status"] = Status,
        ["type"] = "bank_account",
    };
}
