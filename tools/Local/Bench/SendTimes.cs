using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContestPipeline.Local.Bench;

/// <summary>
/// When each message (of one type, or any) on a topic was handed to Kafka, by message id: the record's
/// CreateTime, which the relay's producer stamps as it produces. Read as the records go by (the
/// local broker keeps only a few MiB a partition), from the latest offset on; the outbox itself
/// no longer says when a row was sent (the relay keeps a mark, not a time per row).
/// </summary>
public sealed class SendTimes : IDisposable
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _at = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _assigned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reading;

    private SendTimes(string bootstrapServers, string topic, string? messageType)
    {
        _reading = Task.Run(() => Read(bootstrapServers, topic, messageType), CancellationToken.None);
    }

    /// <summary>Starts reading <paramref name="topic"/>; returns once the reader holds its partitions.</summary>
    public static async Task<SendTimes> WatchAsync(string bootstrapServers, string topic, string? messageType, CancellationToken ct)
    {
        var times = new SendTimes(bootstrapServers, topic, messageType);
        await times._assigned.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        return times;
    }

    public IReadOnlyDictionary<string, DateTimeOffset> At => _at;

    private void Read(string bootstrapServers, string topic, string? messageType)
    {
        var config = KafkaClients.ConsumerConfig(bootstrapServers, "bench.sendtimes." + Guid.NewGuid().ToString("N"));
        config.AutoOffsetReset = AutoOffsetReset.Latest;
        using var consumer = KafkaClients.ConsumerBuilder(config, NullLogger.Instance).Build();
        consumer.Subscribe(topic);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var r = consumer.Consume(TimeSpan.FromMilliseconds(50));
                if (consumer.Assignment.Count > 0) _assigned.TrySetResult();
                if (r?.Message?.Headers is not { } headers) continue;
                if (messageType is not null && (!headers.TryGetLastBytes(MessageHeaders.Type, out var type)
                    || !type.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(messageType)))) continue;
                if (headers.TryGetLastBytes(MessageHeaders.MessageId, out var id))
                    _at.TryAdd(Encoding.UTF8.GetString(id), r.Message.Timestamp.UtcDateTime);
            }
        }
        finally
        {
            consumer.Close();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _reading.GetAwaiter().GetResult();
        _stop.Dispose();
    }
}
