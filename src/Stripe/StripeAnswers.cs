using System.Text.Json;
using Stripe;

namespace ContestPipeline.Stripe;

/// <summary>
/// The fields of Stripe's answers the pipeline's money decisions rest on. Stripe.net reads an
/// answer leniently: a field that is missing reads as its default (0, false, null), which for a
/// transfer's amount, its destination or its metadata could be taken for data (a transfer that does
/// not match its payout, a lookup that misses the transfer already made). So an answer that lacks
/// one of them, or has it of the wrong kind, is an unreadable answer naming the field: Stripe acted,
/// and what it answered is not known. Fields Stripe documents as nullable may be null.
/// </summary>
public static class StripeAnswers
{
    private enum Kind { Text, Number, Bool, Object, List, NullableText }

    private static readonly (string Name, Kind Kind)[] TransferFields =
        [("id", Kind.Text), ("amount", Kind.Number), ("amount_reversed", Kind.Number), ("currency", Kind.Text),
         ("destination", Kind.NullableText), ("metadata", Kind.Object), ("reversed", Kind.Bool)];

    private static readonly (string Name, Kind Kind)[] PaymentIntentFields =
        [("id", Kind.Text), ("amount", Kind.Number), ("amount_received", Kind.Number), ("currency", Kind.Text),
         ("status", Kind.Text), ("livemode", Kind.Bool), ("metadata", Kind.Object), ("created", Kind.Number)];

    private static readonly (string Name, Kind Kind)[] AccountFields =
        [("id", Kind.Text), ("created", Kind.Number), ("metadata", Kind.Object)];

    private static readonly (string Name, Kind Kind)[] RefundFields = [("id", Kind.Text), ("amount", Kind.Number)];

    private static readonly (string Name, Kind Kind)[] BalanceFields = [("available", Kind.List),
        ("pending", Kind.List)];

    private static readonly (string Name, Kind Kind)[] AccountLinkFields = [("url", Kind.Text),
        ("expires_at", Kind.Number)];

    private static readonly (string Name, Kind Kind)[] ReversalFields =
        [("id", Kind.Text), ("amount", Kind.Number), ("transfer", Kind.Text)];

    /// <summary>
    /// Throws an unreadable <see cref="StripeFailure"/> naming the first field missing from the answer.
    /// </summary>
    public static void Check<T>(T answer, string operation)
    {
        if (Problem(answer) is not { } field) return;
        throw new StripeFailure(200, StripeErrorTypes.UnreadableResponse, null, null, field,
            $"Stripe's answer to {operation} lacks {field} or has it of the wrong kind",
            (answer as IStripeEntity)?.StripeResponse?.RequestId,
            isRetryable: false);
    }

    /// <summary>
    /// The path of the first field the pipeline relies on that this answer lacks; null when it has them all.
    /// </summary>
    public static string? Problem(object? answer) => answer switch
    {
        null => "$",
        Transfer t => Missing(t, TransferFields),
        PaymentIntent p => Missing(p, PaymentIntentFields),
        global::Stripe.Account a => Missing(a, AccountFields),
        Refund r => Missing(r, RefundFields),
        Balance b => Missing(b, BalanceFields),
        AccountLink l => Missing(l, AccountLinkFields),
        TransferReversal r => Missing(r, ReversalFields),
        StripeList<Transfer> list => list.Data is null ? "$.data"
            : list.Data.Select((t, i) => Missing(t, TransferFields) is { } f ? $"$.data[{i}]{f[1..]}" : null)
                .FirstOrDefault(f => f is not null),
        StripeList<PaymentIntent> list => list.Data is null ? "$.data"
            : list.Data.Select((p, i) => Missing(p, PaymentIntentFields) is { } f ? $"$.data[{i}]{f[1..]}" : null)
                .FirstOrDefault(f => f is not null),
        _ => null,
    };

    /// <summary>
    /// Whether the object as Stripe sent it has <paramref name="field"/> with a value of JSON kind
    /// <paramref name="kind"/>.
    /// </summary>
    public static bool Has(StripeEntity entity, string field, JsonValueKind kind)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return entity.RawJsonElement is { ValueKind: JsonValueKind.Object } raw
            && raw.TryGetProperty(field, out var value)
            && value.ValueKind == kind;
    }

    private static string? Missing(StripeEntity entity, (string Name, Kind Kind)[] fields)
    {
        if (entity.RawJsonElement is not { ValueKind: JsonValueKind.Object } raw) return "$";
        foreach (var (name, kind) in fields)
        {
            var ok = raw.TryGetProperty(name, out var value) && kind switch
            {
                Kind.Text => value.ValueKind == JsonValueKind.String,
                Kind.NullableText => value.ValueKind is JsonValueKind.String or JsonValueKind.Null,
                Kind.Number => value.ValueKind == JsonValueKind.Number,
                Kind.Bool => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
                Kind.Object => value.ValueKind == JsonValueKind.Object,
                _ => value.ValueKind == JsonValueKind.Array,
            };
            if (!ok) return "$." + name;
        }
        return null;
    }
}

/// <summary>Values of Stripe's status fields the pipeline compares against.</summary>
public static class StripeStatuses
{
    /// <summary>A PaymentIntent whose payment went through.</summary>
    public const string Succeeded = "succeeded";
}

/// <summary>What the pipeline reads of Stripe's balance: amounts in minor units, per lower-case currency.</summary>
public static class StripeBalances
{
    /// <summary>The available amount in <paramref name="currency"/> (lower-case), 0 when Stripe lists none.</summary>
    public static long AvailableIn(this Balance balance, string currency)
    {
        ArgumentNullException.ThrowIfNull(balance);
        return (balance.Available ?? []).Where(a => a.Currency == currency).Sum(a => a.Amount);
    }

    /// <summary>The pending amount in <paramref name="currency"/> (lower-case), 0 when Stripe lists none.</summary>
    public static long PendingIn(this Balance balance, string currency)
    {
        ArgumentNullException.ThrowIfNull(balance);
        return (balance.Pending ?? []).Where(a => a.Currency == currency).Sum(a => a.Amount);
    }

    /// <summary>Every currency the balance lists, available or pending.</summary>
    public static IEnumerable<string> Currencies(this Balance balance)
    {
        ArgumentNullException.ThrowIfNull(balance);
        return (balance.Available ?? []).Select(a => a.Currency).Concat((balance.Pending ?? []).Select(p => p.Currency))
            .Distinct();
    }
}
