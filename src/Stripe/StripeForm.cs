using System.Globalization;
using System.Text;

namespace ContestPipeline.Stripe;

/// <summary>
/// Stripe's request encoding: application/x-www-form-urlencoded with nested keys written as
/// brackets (metadata[payout_id]=..., capabilities[transfers][requested]=true). Keys keep
/// the order they were added in, so the same call always encodes to the same text.
/// </summary>
public sealed class StripeForm
{
    private readonly List<KeyValuePair<string, string>> _pairs = [];

    public StripeForm Add(string key, string? value)
    {
        if (value is not null) _pairs.Add(new(key, value));
        return this;
    }

    public StripeForm Add(string key, long? value) =>
        Add(key, value?.ToString(CultureInfo.InvariantCulture));

    public StripeForm Add(string key, bool value) => Add(key, value ? "true" : "false");

    /// <summary>Adds metadata[key]=value for every entry, in ordinal key order.</summary>
    public StripeForm AddMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null) return this;
        foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
            Add($"metadata[{key}]", value);
        return this;
    }

    public bool IsEmpty => _pairs.Count == 0;

    public string Encode()
    {
        var text = new StringBuilder();
        foreach (var (key, value) in _pairs)
        {
            if (text.Length > 0) text.Append('&');
            text.Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
        }
        return text.ToString();
    }
}
