using System.Globalization;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Primitives;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// A request's form or query parameters, read the way Stripe reads them: nested keys as
/// literal names (metadata[k]), unknown names refused, amounts positive integers.
/// </summary>
internal sealed class ApiParams
{
    // Stripe's metadata bounds: a client that exceeds them here would fail in production.
    private const int MetadataKeysMax = 50;
    private const int MetadataKeyLengthMax = 40;
    private const int MetadataValueLengthMax = 500;

    private static readonly string[] ListParameters =
        ["limit", "starting_after", "ending_before", "created", "created[gt]", "created[gte]", "created[lt]",
            "created[lte]"];

    private readonly SortedDictionary<string, string> _values = new(StringComparer.Ordinal);

    public static ApiParams From(IEnumerable<KeyValuePair<string, StringValues>> source)
    {
        var p = new ApiParams();
        foreach (var (key, values) in source) p._values[key] = values.ToString();
        return p;
    }

    /// <summary>
    /// The parameters in one canonical text, to tell whether a reused idempotency key came with the same request.
    /// </summary>
    public string Canonical => string.Join("&", _values.Select(kv => kv.Key + "=" + kv.Value));

    /// <summary>
    /// Refuses any parameter not named; "metadata" admits every metadata[...] key, and a list parameter
    /// (expand) is named without its index: Stripe.net sends expand[0]=..., other clients expand[]=....
    /// </summary>
    public ApiParams Expect(params string[] names)
    {
        foreach (var key in _values.Keys)
        {
            if (names.Contains(key)) continue;
            var metadata = key.StartsWith("metadata[", StringComparison.Ordinal) && key.EndsWith(']');
            if (metadata && names.Contains("metadata")) continue;
            if (ListName(key) is { } list && names.Contains(list)) continue;
            throw ApiError.Parameter(StripeErrorCodes.ParameterUnknown, key, $"Received unknown parameter: {key}");
        }
        return this;
    }

    /// <summary>
    /// The values of a list parameter, in index order: name[0]=a&amp;name[1]=b (Stripe.net), name[]=a&amp;name[]=b,
    /// or one name[]=a,b.
    /// </summary>
    public IReadOnlyList<string> List(string name) => [.. _values
        .Where(kv => ListName(kv.Key) == name)
        .OrderBy(kv => ListIndex(kv.Key))
        .SelectMany(kv => kv.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];

    /// <summary>"expand" for expand[] and expand[3]; null for anything else.</summary>
    private static string? ListName(string key)
    {
        var open = key.IndexOf('[', StringComparison.Ordinal);
        if (open <= 0 || !key.EndsWith(']')) return null;
        var index = key[(open + 1)..^1];
        return index.Length == 0 || index.All(char.IsAsciiDigit) ? key[..open] : null;
    }

    private static int ListIndex(string key)
    {
        var index = key[(key.IndexOf('[', StringComparison.Ordinal) + 1)..^1];
        if (index.Length == 0) return -1;
        return int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue;
    }

    /// <summary>These parameters with <paramref name="name"/> set to <paramref name="value"/>.</summary>
    public ApiParams With(string name, string value)
    {
        var p = new ApiParams();
        foreach (var (k, v) in _values) p._values[k] = v;
        p._values[name] = value;
        return p;
    }

    public string? Text(string name) => _values.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

    public string RequiredText(string name) => Text(name) ?? throw MissingParameter(name);

    private static ApiError MissingParameter(string name) =>
        ApiError.Parameter(StripeErrorCodes.ParameterMissing, name, $"Missing required param: {name}.");

    public long? Amount(string name)
    {
        if (Text(name) is not { } text) return null;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
            throw ApiError.Parameter(StripeErrorCodes.ParameterInvalidInteger, name, $"Invalid integer: {text}");
        if (amount < 1)
            throw ApiError.Parameter(StripeErrorCodes.ParameterInvalidInteger, name,
                "This value must be greater than or equal to 1.");
        return amount;
    }

    public long RequiredAmount(string name) => Amount(name) ?? throw MissingParameter(name);

    public string RequiredCurrency()
    {
        var currency = RequiredText("currency");
        if (currency.Length != 3 || !currency.All(char.IsAsciiLetterLower))
            throw ApiError.Parameter("parameter_invalid_string", "currency", $"Invalid currency: {currency}.");
        return currency;
    }

    /// <summary>
    /// The parameters every list endpoint takes (<see cref="Listing{T}"/>), with <paramref name="filters"/> of its
    /// own; any other is refused.
    /// </summary>
    public ApiParams ExpectList(params string[] filters) => Expect([.. ListParameters, .. filters]);

    /// <summary>The created filter: created=t for one second, or any of created[gt|gte|lt|lte].</summary>
    public CreatedRange Created()
    {
        if (Integer("created") is { } exact) return new CreatedRange(null, exact, null, exact);
        return new CreatedRange(Integer("created[gt]"), Integer("created[gte]"), Integer("created[lt]"),
            Integer("created[lte]"));
    }

    private long? Integer(string name)
    {
        if (Text(name) is not { } text) return null;
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw ApiError.Parameter(StripeErrorCodes.ParameterInvalidInteger, name, $"Invalid integer: {text}");
    }

    public int Limit()
    {
        if (Text("limit") is not { } text) return 10;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit)
            || limit is < 1 or > StripeApi.ListLimitMax)
            throw ApiError.Parameter(StripeErrorCodes.ParameterInvalidInteger, "limit",
                $"This value must be between 1 and {StripeApi.ListLimitMax}.");
        return limit;
    }

    public Dictionary<string, string> Metadata()
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in _values)
        {
            if (!key.StartsWith("metadata[", StringComparison.Ordinal)) continue;
            var name = key["metadata[".Length..^1];
            if (name.Length is 0 or > MetadataKeyLengthMax || value.Length > MetadataValueLengthMax)
                throw ApiError.Parameter("parameter_invalid_string", key,
                    $"Metadata keys are 1 to {MetadataKeyLengthMax} characters and values at most " +
                    $"{MetadataValueLengthMax}.");
            metadata[name] = value;
        }
        if (metadata.Count > MetadataKeysMax)
            throw ApiError.Parameter("parameter_invalid_string", "metadata",
                $"Metadata can have at most {MetadataKeysMax} keys.");
        return metadata;
    }
}
