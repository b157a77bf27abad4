using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Kafka;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// The one publish path of the operator tools (the console and cpctl), which have no outbox of
/// their own: a contract message with the envelope headers, produced through the idempotent
/// producer and awaited until Kafka acknowledged it, so a tool says "sent" only when it is.
/// An operator's decision is an origin message: its correlation id is its own message id.
/// Whatever a producer must add to every message it sends (its signature, once messages are
/// signed) is added here, never in the decision records themselves.
/// </summary>
public sealed class DecisionPublisher(string bootstrapServers, string producerName, ILogger logger) : IDisposable
{
    private readonly IProducer<byte[]?, byte[]?> _producer =
        KafkaClients.Producer(KafkaClients.ProducerConfig(bootstrapServers, producerName), logger);

    /// <summary>Who publishes through this path (e.g. <c>console</c>, <c>cpctl</c>): the producer name signing will use.</summary>
    public string ProducerName => producerName;

    public async Task PublishAsync<T>(string topic, string key, string messageId, T body, DateTimeOffset at, CancellationToken ct) where T : IMessage
    {
        var message = OutgoingMessage.Create(topic, key, new Envelope(messageId, T.Type, T.Version, messageId, null, at), body);
        await _producer.ProduceAsync(topic, KafkaClients.Message(message), ct);
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
    }
}
