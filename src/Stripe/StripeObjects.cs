using System.Text.Json;

namespace ContestPipeline.Stripe;

// Stripe's objects as the client reads them: only the fields the pipeline uses. Amounts are
// integer minor units and currencies lower-case ISO codes, exactly as Stripe sends them;
// timestamps are Unix seconds. Fields Stripe documents as nullable are nullable here.

public sealed record StripePaymentIntent(
    string Id,
    long Amount,
    long AmountReceived,
    string Currency,
    string Status,
    string? LatestCharge,
    long Created,
    bool Livemode,
    IReadOnlyDictionary<string, string> Metadata)
{
    public const string StatusSucceeded = "succeeded";
}

public sealed record StripeRefund(
    string Id,
    long Amount,
    string Currency,
    string? PaymentIntent,
    string? Charge,
    string? Status,
    long Created,
    IReadOnlyDictionary<string, string> Metadata);

public sealed record StripeAccount(
    string Id,
    string? Type,
    string? Country,
    string? Email,
    bool ChargesEnabled,
    bool PayoutsEnabled,
    bool DetailsSubmitted,
    StripeAccountCapabilities Capabilities,
    StripeAccountRequirements Requirements,
    long Created,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>A capability's status: "active", "inactive" or "pending"; null when not requested.</summary>
public sealed record StripeAccountCapabilities(string? Transfers)
{
    public const string Active = "active";
}

public sealed record StripeAccountRequirements(
    IReadOnlyList<string> CurrentlyDue,
    IReadOnlyList<string> EventuallyDue,
    IReadOnlyList<string> PastDue,
    string? DisabledReason);

public sealed record StripeAccountLink(string Url, long Created, long ExpiresAt);

public sealed record StripeTransfer(
    string Id,
    long Amount,
    long AmountReversed,
    string Currency,
    string Destination,
    string? TransferGroup,
    string? Description,
    bool Reversed,
    long Created,
    IReadOnlyDictionary<string, string> Metadata);

public sealed record StripeTransferReversal(
    string Id,
    long Amount,
    string Currency,
    string Transfer,
    long Created,
    IReadOnlyDictionary<string, string> Metadata);

public sealed record StripeBalance(
    IReadOnlyList<StripeBalanceAmount> Available,
    IReadOnlyList<StripeBalanceAmount> Pending,
    bool Livemode)
{
    /// <summary>The available amount in <paramref name="currency"/> (lower-case), 0 when Stripe lists none.</summary>
    public long AvailableIn(string currency) => Available.Where(a => a.Currency == currency).Sum(a => a.Amount);
}

public sealed record StripeBalanceAmount(long Amount, string Currency);

/// <summary>One page of a Stripe list, newest first.</summary>
public sealed record StripeList<T>(IReadOnlyList<T> Data, bool HasMore, string Url);

/// <summary>
/// A Stripe event as delivered to a webhook endpoint. <see cref="Account"/> is set (Stripe
/// sends the field at all) only for events of a connected account: payout.paid,
/// payout.failed, account.updated.
/// </summary>
public sealed record StripeEvent(
    string Id,
    string Type,
    long Created,
    bool Livemode,
    string? ApiVersion,
    StripeEventData Data,
    StripeEventRequest? Request,
    string? Account = null)
{
    public static StripeEvent Parse(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<StripeEvent>(json, StripeJson.Options) ?? throw new JsonException("null event");
}

/// <summary>The object as it is after the event; for updates, the old values of the fields that changed.</summary>
public sealed record StripeEventData(JsonElement Object, JsonElement? PreviousAttributes = null);

/// <summary>The API request that caused the event, if any, with its idempotency key.</summary>
public sealed record StripeEventRequest(string? Id, string? IdempotencyKey);

public static class StripeJson
{
    /// <summary>
    /// Stripe's snake_case, read strictly: a missing field or an unexpected null fails the
    /// parse instead of leaving a default value that could be mistaken for data.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };
}
