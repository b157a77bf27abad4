using System.Globalization;

namespace ContestPipeline.Contracts;

/// <summary>
/// The header envelope every message carries. <see cref="MessageId"/> is deterministic
/// where the fact has a natural id (a payout, a provider event), so that re-producing the
/// same fact is recognised downstream as the same message.
/// </summary>
public sealed record Envelope(
    string MessageId,
    string Type,
    int SchemaVersion,
    string CorrelationId,
    string? CausationId,
    DateTimeOffset OccurredAt)
{
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public static string FormatTimestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    public static bool TryParseTimestamp(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParseExact(
            text, TimestampFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);

    /// <summary>The envelope of a message caused by this one: same correlation, this id as cause.</summary>
    public Envelope Caused(string messageId, string type, int schemaVersion, DateTimeOffset occurredAt) =>
        new(messageId, type, schemaVersion, CorrelationId, MessageId, occurredAt);
}
