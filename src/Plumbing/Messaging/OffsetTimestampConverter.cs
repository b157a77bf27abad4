using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Timestamps as the topics' contract has them: ISO 8601 with a date, a time and an offset
/// (<c>Z</c> or <c>±hh:mm</c>), e.g. <c>2026-11-22T18:02:41.25+00:00</c>. System.Text.Json alone
/// also reads a date without a time, or a time without an offset, in the reading machine's
/// zone, and a fraction point without digits; here those are unreadable. Fraction digits
/// beyond seven (ticks) are cut, as System.Text.Json cuts them. Written exactly as
/// System.Text.Json writes them.
/// </summary>
public sealed partial class OffsetTimestampConverter : JsonConverter<DateTimeOffset>
{
    public const string Grammar = @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:\d{2})?)$";

    [GeneratedRegex(Grammar, RegexOptions.CultureInvariant)]
    private static partial Regex Iso8601WithOffset();

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw new JsonException($"a timestamp is a string, not {reader.TokenType}");
        // Unescaped first: System.Text.Json's own writer escapes '+' as \u002B.
        var text = reader.GetString();
        if (text is null || text.Length > 64 || !Iso8601WithOffset().IsMatch(text)
            || !reader.TryGetDateTimeOffset(out var value))
            throw new JsonException("a timestamp is ISO 8601 with a date, a time and an offset (Z or +hh:mm), "
                + "e.g. 2026-11-22T18:00:00+00:00");
        return value;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value);
}
