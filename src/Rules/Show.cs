using System.Globalization;
using System.Text;
using ContestPipeline.Contracts;

namespace ContestPipeline.Rules;

/// <summary>
/// How values appear in reasons, the same everywhere: numbers with thousands separators,
/// timestamps in the wire format, text quoted and cut short.
/// </summary>
public static class Show
{
    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string N(Int128 value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>"1 athlete", "2 athletes": a count with its noun.</summary>
    public static string Count(long n, string one, string many) => $"{N(n)} {(n == 1 ? one : many)}";

    public static string Time(DateTimeOffset value) => Envelope.FormatTimestamp(value);

    /// <summary>
    /// An id as it is when it is plain (so "game g1" reads as before), quoted as
    /// <see cref="Quote"/> does when it is long or has a control character or '|' in it.
    /// </summary>
    public static string Name(string? text) =>
        text is not null && text.Length <= IngestionLimits.ReasonValueLengthMax
            && !text.Any(c => char.IsControl(c) || c == '|')
            ? text
            : Quote(text);

    /// <summary>
    /// Quoted text, cut to <see cref="IngestionLimits.ReasonValueLengthMax"/> characters, with
    /// control characters written as code points so a reason stays one readable line, and
    /// '|' too, so a quoted value can never forge the separator between joined reasons.
    /// </summary>
    public static string Quote(string? text)
    {
        if (text is null) return "null";
        var cut = text.Length > IngestionLimits.ReasonValueLengthMax;
        var b = new StringBuilder(IngestionLimits.ReasonValueLengthMax + 8).Append('\'');
        foreach (var c in cut ? text.AsSpan(0, IngestionLimits.ReasonValueLengthMax) : text.AsSpan())
        {
            if (char.IsControl(c) || c == '|') b.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            else b.Append(c);
        }
        return b.Append(cut ? "…'" : "'").ToString();
    }
}
