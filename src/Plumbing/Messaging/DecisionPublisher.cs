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
/// Every message on an internal topic is signed here with the operator producer's key
/// (<paramref name="signer"/>) and, given one, with the deciding operator's own key, never in the
/// decision records themselves.
/// </summary>
public sealed class DecisionPublisher(string bootstrapServers, string clientId, MessageSigner signer, ILogger logger)
    : IDisposable
{
    private readonly IProducer<byte[]?, byte[]?> _producer =
        KafkaClients.Producer(KafkaClients.ProducerConfig(bootstrapServers, clientId), logger);

    public Task PublishAsync<T>(string topic, string key, string messageId, T body, DateTimeOffset at,
        CancellationToken ct)
        where T : IMessage =>
        PublishAsync(topic, key, messageId, body, at, null, ct);

    /// <summary>
    /// Publishes also signed with <paramref name="operator"/>'s own key (the console's signed-in
    /// operator).
    /// </summary>
    public async Task PublishAsync<T>(string topic, string key, string messageId, T body, DateTimeOffset at,
        OperatorKey? @operator, CancellationToken ct) where T : IMessage
    {
        var message = OutgoingMessage.Create(topic, key,
            new Envelope(messageId, T.Type, T.Version, messageId, null, at), body);
        var by = @operator is null ? signer : signer.As(@operator);
        await _producer.ProduceAsync(topic, KafkaClients.Message(message, by), ct);
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
    }
}
