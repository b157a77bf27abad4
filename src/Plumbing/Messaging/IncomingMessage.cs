using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using ContestPipeline.Contracts;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// A consumed message with its parsed envelope. The body is read on demand by the
/// handler, which knows its type; an unreadable body is a rejection, not a retry.
/// </summary>
public sealed class IncomingMessage
{
    public required string Topic { get; init; }
    public required int Partition { get; init; }
    public required long Offset { get; init; }
    public required byte[]? RawKey { get; init; }
    public required byte[]? Value { get; init; }
    public required IReadOnlyList<Header> Headers { get; init; }
    public required Envelope Envelope { get; init; }

    /// <summary>
    /// The record's Kafka timestamp as the consumer sees it (the broker's log-append time, or the
    /// producer's create time on a topic that keeps it); null for a message not read from Kafka.
    /// </summary>
    public DateTimeOffset? KafkaTimestamp { get; init; }

    /// <summary>
    /// For a message produced as <c>operator</c>: the operator whose own key signed it, as the consume loop
    /// verified it (never what the message says); null for every other message.
    /// </summary>
    public string? Operator { get; init; }

    /// <summary>
    /// On a signed topic, the producer whose pair key verified the message, as the consume loop verified it (never
    /// what the message says); null on a topic that is not signed.
    /// </summary>
    public string? Producer { get; init; }

    public string? Key => RawKey is null ? null : Encoding.UTF8.GetString(RawKey);

    public T Body<T>() where T : class
    {
        if (Value is null || Value.Length == 0)
            throw new MessageRejectedException($"empty body for {Envelope.Type}");
        try
        {
            return JsonSerializer.Deserialize<T>(Value, OutgoingMessage.Json)
                ?? throw new MessageRejectedException($"body of {Envelope.Type} is JSON null");
        }
        catch (JsonException e)
        {
            throw new MessageRejectedException($"unreadable body for {Envelope.Type}: {OneLine(e.Message)}");
        }
    }

    public string Where => $"{Topic}/{Partition}@{Offset}";

    /// <summary>The longest parser message kept in a reason: it can quote the hostile input itself.</summary>
    public const int ParserMessageLengthMax = 300;

    /// <summary>
    /// A parser's message as one line of bounded length: it may quote the input, control
    /// characters included, so those are written as code points and the rest is cut.
    /// </summary>
    public static string OneLine(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var b = new StringBuilder(Math.Min(text.Length, ParserMessageLengthMax) + 16);
        foreach (var c in text)
        {
            if (b.Length >= ParserMessageLengthMax)
            {
                b.Append('…');
                break;
            }
            if (char.IsControl(c)) b.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            else b.Append(c);
        }
        return b.ToString();
    }

    /// <summary>
    /// Parses the envelope headers. Returns null with <paramref name="reason"/> naming the
    /// first missing or malformed header.
    /// </summary>
    public static Envelope? ParseEnvelope(IReadOnlyList<Header> headers, DateTimeOffset kafkaTimestamp,
        out string? reason)
    {
        reason = null;
        string? Get(string name)
        {
            for (var i = headers.Count - 1; i >= 0; i--)
            {
                if (headers[i].Name != name) continue;
                try { return new UTF8Encoding(false, true).GetString(headers[i].Value); }
                catch (DecoderFallbackException) { return "\uFFFD"; }
            }
            return null;
        }

        var id = Get(MessageHeaders.MessageId);
        if (string.IsNullOrWhiteSpace(id)) { reason = $"missing header {MessageHeaders.MessageId}"; return null; }
        if (id.Length > 200 || id.Contains('\uFFFD'))
        {
            reason = $"header {MessageHeaders.MessageId} is not a readable id of at most 200 characters";
            return null;
        }
        var type = Get(MessageHeaders.Type);
        if (string.IsNullOrWhiteSpace(type)) { reason = $"missing header {MessageHeaders.Type}"; return null; }
        var versionText = Get(MessageHeaders.SchemaVersion);
        if (versionText is null) { reason = $"missing header {MessageHeaders.SchemaVersion}"; return null; }
        if (!int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
        { reason = $"header {MessageHeaders.SchemaVersion} '{versionText}' is not a positive integer"; return null; }
        var occurredText = Get(MessageHeaders.OccurredAt);
        var occurredAt = kafkaTimestamp;
        if (occurredText is not null && !Envelope.TryParseTimestamp(occurredText, out occurredAt))
        {
            reason = $"header {MessageHeaders.OccurredAt} '{occurredText}' is not {Envelope.TimestampFormat}";
            return null;
        }
        var correlation = Get(MessageHeaders.CorrelationId);
        return new Envelope(id, type, version, string.IsNullOrWhiteSpace(correlation) ? id : correlation,
            Get(MessageHeaders.CausationId), occurredAt);
    }

    public static List<Header> HeadersOf(Headers? headers)
    {
        var list = new List<Header>(headers?.Count ?? 0);
        if (headers is null) return list;
        foreach (var h in headers) list.Add(new Header(h.Key, h.GetValueBytes() ?? []));
        return list;
    }
}
