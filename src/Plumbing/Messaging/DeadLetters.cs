using System.Globalization;
using ContestPipeline.Contracts;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Builds the dead letter of a consumed message: original key, body and headers kept, the
/// dead-letter headers added, bound for <c>&lt;topic&gt;.dlq</c> through the outbox.
/// </summary>
public static class DeadLetters
{
    public static OutgoingMessage Create(
        string consumer, string messageId, string topic, int partition, long offset,
        byte[]? key, byte[]? value, IReadOnlyList<Header> originalHeaders, string? messageType,
        string reason, Exception? exception, int attempts, DateTimeOffset now)
    {
        var headers = new List<Header>(originalHeaders)
        {
            Header.Text(MessageHeaders.DeadLetterReason, reason),
            Header.Text(MessageHeaders.DeadLetterConsumer, consumer),
            Header.Text(MessageHeaders.DeadLetterAttempts, attempts.ToString(CultureInfo.InvariantCulture)),
            Header.Text(MessageHeaders.DeadLetterOriginalTopic, topic),
            Header.Text(MessageHeaders.DeadLetterOriginalPartition, partition.ToString(CultureInfo.InvariantCulture)),
            Header.Text(MessageHeaders.DeadLetterOriginalOffset, offset.ToString(CultureInfo.InvariantCulture)),
        };
        if (exception is not null)
            headers.Add(Header.Text(MessageHeaders.DeadLetterException, exception.GetType().FullName + ": " + exception.Message));
        // Unique per dead-lettering, so a message dead-lettered again after a re-drive is published again.
        var outboxId = $"dlq:{consumer}:{messageId}:{offset}:{now.ToUnixTimeMilliseconds()}";
        return new OutgoingMessage(outboxId, Topics.DeadLetter(topic), key, messageType ?? "unknown", value, headers);
    }
}
