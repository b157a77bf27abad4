using System.Text.Json;
using System.Text.Json.Serialization;

namespace ContestPipeline.Stripe;

// Stripe's objects as the client reads them: only the fields the pipeline uses. Amounts are
// integer minor units and currencies lower-case ISO codes, exactly as Stripe sends them;
// timestamps are Unix seconds. What Stripe's API specification allows is accepted: a field
// it documents as nullable is nullable here, a field it may leave out has a default, and a
// null metadata reads as empty (StripeJson). What it does not allow fails the parse, naming
// the field.

public sealed record StripePaymentIntent(
    string Id,
    long Amount,
    long AmountReceived,
    string Currency,
    string Status,
    StripeExpandable<StripeCharge>? LatestCharge,
    long Created,
    bool Livemode,
    IReadOnlyDictionary<string, string> Metadata)
{
    public const string StatusSucceeded = "succeeded";

    /// <summary>The charge that collected the payment, when it was read with it (GetPaymentIntentAsync expands it).</summary>
    public StripeCharge? Charge => LatestCharge?.Object;
}

/// <summary>The charge behind a PaymentIntent: whether any of it was refunded or it is disputed.</summary>
public sealed record StripeCharge(
    string Id,
    long Amount,
    long AmountRefunded,
    bool Refunded,
    bool Disputed,
    string Currency,
    string? PaymentIntent,
    string? Status,
    IReadOnlyDictionary<string, string> Metadata);

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
    long Created,
    IReadOnlyDictionary<string, string> Metadata,
    StripeAccountCapabilities? Capabilities = null,
    StripeAccountRequirements? Requirements = null);

/// <summary>A capability's status: "active", "inactive" or "pending"; null (or absent) when not requested.</summary>
public sealed record StripeAccountCapabilities(string? Transfers = null)
{
    public const string Active = "active";
}

public sealed record StripeAccountRequirements(
    IReadOnlyList<string>? CurrentlyDue = null,
    IReadOnlyList<string>? EventuallyDue = null,
    IReadOnlyList<string>? PastDue = null,
    string? DisabledReason = null);

public sealed record StripeAccountLink(string Url, long Created, long ExpiresAt);

/// <summary>A transfer; <see cref="Destination"/> is null when Stripe no longer names it (a deleted account).</summary>
public sealed record StripeTransfer(
    string Id,
    long Amount,
    long AmountReversed,
    string Currency,
    string? Destination,
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
/// A field Stripe sends as the id of another object, or as that object itself when the
/// request asked to expand it (expand[]=...). A plain id reads with a null <see cref="Object"/>.
/// </summary>
[JsonConverter(typeof(StripeExpandableConverterFactory))]
public sealed record StripeExpandable<T>(string Id, T? Object) where T : class
{
    public static implicit operator StripeExpandable<T>(string id) => new(id, null);
}

/// <summary>
/// A Stripe event as delivered to a webhook endpoint. <see cref="Account"/> is set (Stripe
/// sends the field at all) only for events of a connected account: payout.paid,
/// payout.failed, account.updated. <see cref="ApiVersion"/> and <see cref="Request"/> are
/// nullable in Stripe's specification and read as null when absent.
/// </summary>
public sealed record StripeEvent(
    string Id,
    string Type,
    long Created,
    bool Livemode,
    StripeEventData Data,
    string? ApiVersion = null,
    StripeEventRequest? Request = null,
    string? Account = null)
{
    public static StripeEvent Parse(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<StripeEvent>(json, StripeJson.Options) ?? throw new JsonException("null event");
}

/// <summary>The object as it is after the event; for updates, the old values of the fields that changed.</summary>
public sealed record StripeEventData(JsonElement Object, JsonElement? PreviousAttributes = null);

/// <summary>The API request that caused the event, if any, with its idempotency key.</summary>
public sealed record StripeEventRequest(string? Id = null, string? IdempotencyKey = null);

public static class StripeJson
{
    /// <summary>
    /// Stripe's snake_case, read strictly: a missing field or an unexpected null fails the
    /// parse instead of leaving a default value that could be mistaken for data. Metadata is
    /// the exception Stripe's own objects make: a null metadata reads as empty.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        Converters = { new MetadataConverter() },
    };

    /// <summary>
    /// One line naming what could not be read and where, from a parse failure: "$.data.object.destination:
    /// the JSON value could not be converted ..." or "missing required properties including: 'livemode'".
    /// </summary>
    public static string Problem(JsonException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var message = e.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut >= 0) message = message[..cut];
        return e.Path is { Length: > 0 } path ? $"{path}: {message}" : message;
    }

    /// <summary>Metadata is a map of strings; Stripe may send it as null (an object without any), which reads as empty.</summary>
    private sealed class MetadataConverter : JsonConverter<IReadOnlyDictionary<string, string>>
    {
        private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>(StringComparer.Ordinal);

        public override bool HandleNull => true;

        public override IReadOnlyDictionary<string, string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null) return Empty;
            if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("metadata is not an object");
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var key = reader.GetString()!;
                reader.Read();
                metadata[key] = reader.TokenType == JsonTokenType.String
                    ? reader.GetString()!
                    : throw new JsonException($"metadata '{key}' is not a string");
            }
            return metadata;
        }

        public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, string> value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            foreach (var (k, v) in value) writer.WriteString(k, v);
            writer.WriteEndObject();
        }
    }
}

/// <summary>Reads <see cref="StripeExpandable{T}"/>: a string is the id, an object is the expanded object (with its id).</summary>
public sealed class StripeExpandableConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(StripeExpandable<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;

    private sealed class Converter<T> : JsonConverter<StripeExpandable<T>> where T : class
    {
        public override StripeExpandable<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.String) return new StripeExpandable<T>(reader.GetString()!, null);
            if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("neither an id nor an object");
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (!root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String)
                throw new JsonException("an expanded object without an id");
            return new StripeExpandable<T>(id.GetString()!, root.Deserialize<T>(options) ?? throw new JsonException("null object"));
        }

        public override void Write(Utf8JsonWriter writer, StripeExpandable<T> value, JsonSerializerOptions options)
        {
            if (value.Object is null) writer.WriteStringValue(value.Id);
            else JsonSerializer.Serialize(writer, value.Object, options);
        }
    }
}
