using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ContestPipeline.Contracts;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Builds the dead letter of a consumed message: original key, body and headers kept, the
/// dead-letter headers added, bound for <c>&lt;topic&gt;.dlq</c> through the outbox.
/// </summary>
/// <remarks>
/// A dead letter must fit in a message, or the relay could never deliver it and would retry
/// it forever. When the original with the dead-letter headers would not fit (a body near or
/// above <see cref="Limits.MessageBytesMax"/>, huge headers or key), the dead letter leaves
/// out the largest of the body, the original headers and the key (replaced by its SHA-256),
/// one at a time, until it fits; <c>dlq-omitted</c> says what was left out, its size and
/// hash, and that the original stays at its topic, partition and offset for as long as the
/// topic keeps it.
/// </remarks>
public static class DeadLetters
{
    public static OutgoingMessage Create(
        string consumer, string messageId, string topic, int partition, long offset,
        byte[]? key, byte[]? value, IReadOnlyList<Header> originalHeaders, string? messageType, string reason,
        int attempts = 1)
    {
        // Only bad input is dead-lettered (ErrorPolicy): refused before any attempt (0) or by the
        // consumer's rules on its first (1). A bug stops the worker instead.
        var added = new List<Header>
        {
            Header.Text(MessageHeaders.DeadLetterReason, Cut(reason)),
            Header.Text(MessageHeaders.DeadLetterConsumer, consumer),
            Header.Text(MessageHeaders.DeadLetterAttempts, attempts.ToString(CultureInfo.InvariantCulture)),
            Header.Text(MessageHeaders.DeadLetterOriginalTopic, topic),
            Header.Text(MessageHeaders.DeadLetterOriginalPartition, partition.ToString(CultureInfo.InvariantCulture)),
            Header.Text(MessageHeaders.DeadLetterOriginalOffset, offset.ToString(CultureInfo.InvariantCulture)),
        };

        var kept = new List<Header>(originalHeaders);
        var omitted = new List<string>();
        // Room for the dlq-omitted header itself, whatever it ends up saying.
        const int omittedRoom = 2_048;
        long Size() => OutgoingMessage.WireBytesOf(key, value, [.. kept, .. added]) + omittedRoom;
        // The largest part goes first (body, one original header, or the key), until it fits.
        while (Size() > Limits.MessageBytesMax)
        {
            var body = value?.Length ?? 0;
            var header = kept.Count == 0 ? -1 : kept.Max(h => h.Value.Length);
            var keyLength = key?.Length ?? 0;
            if (body >= header && body >= keyLength && body > 0)
            {
                omitted.Add($"body ({Describe(value!)})");
                value = null;
            }
            else if (header >= keyLength && header >= 0)
            {
                var largest = kept.First(h => h.Value.Length == header);
                kept.Remove(largest);
                omitted.Add($"header {Show(largest.Name)} ({Describe(largest.Value)})");
            }
            else if (key is not null && !omitted.Any(o => o.StartsWith("key ", StringComparison.Ordinal)))
            {
                omitted.Add($"key ({Describe(key)}; the dead letter's key is its SHA-256)");
                key = Encoding.UTF8.GetBytes("sha256:" + Convert.ToHexStringLower(SHA256.HashData(key)));
            }
            else break;
        }
        if (omitted.Count > 0)
            added.Add(Header.Text(MessageHeaders.DeadLetterOmitted,
                $"{string.Join("; ", omitted)}: too large for a message of at most {Limits.MessageBytesMax:N0} bytes; "
                + $"the original is at {topic}/{partition}@{offset}"));

        // One dead letter per consumer and message at one place in its topic: the same message
        // read there again (a redelivery after a crash, a replay) and refused again adds no second
        // copy, while a re-driven message, which sits at a new offset, gets its own.
        var outboxId = string.Create(CultureInfo.InvariantCulture,
            $"dlq:{consumer}:{messageId}:{topic}/{partition}@{offset}");
        return new OutgoingMessage(outboxId, Topics.DeadLetter(topic), key, messageType ?? "unknown", value,
            [.. kept, .. added]) { FirstWins = true };
    }

    /// <summary>
    /// A reason or exception message cut to <see cref="Limits.ReasonLengthMax"/> characters, saying
    /// how much was cut.
    /// </summary>
    public static string Cut(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= Limits.ReasonLengthMax
            ? text
            : string.Create(CultureInfo.InvariantCulture,
                $"{text.AsSpan(0, Limits.ReasonLengthMax)}… "
                + $"({text.Length - Limits.ReasonLengthMax:N0} more characters)");
    }

    /// <summary>
    /// A short, stable fingerprint of a text (the first 12 hex digits of its SHA-256), for alert
    /// ids.
    /// </summary>
    public static string Fingerprint(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];

    private static string Describe(byte[] bytes) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{bytes.Length:N0} bytes, sha256 {Convert.ToHexStringLower(SHA256.HashData(bytes))}");

    private static string Show(string name) => name.Length <= 64 ? name : name[..64] + "…";
}
