using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContestPipeline.Tests.Infrastructure;

/// <summary>
/// Operators' rewinds for a worker under test (<paramref name="worker"/>: its schema): signed by the operator producer
/// with an operator's own key, published on <c>workers.rewinds</c>, applied as the worker applies them at start.
/// </summary>
public sealed class RewindRequests(PipelineFixture fixture, string worker)
{
    public static readonly OperatorKey Ann = OperatorKey.Generate("ann", "k1", OperatorRoles.Admin);
    /// <summary>An operator the worker holds no key of.</summary>
    public static readonly OperatorKey Mallory = OperatorKey.Generate("mallory", "k1", OperatorRoles.Admin);

    private readonly SigningKey _pair = SigningKeys.Generate(Producers.Operator, worker);

    public string Worker => worker;

    /// <summary>The worker's verifier: it holds Ann's key, not Mallory's.</summary>
    public MessageVerifier Verifier => SigningKeys.Of(_pair).WithOperators(worker, Ann).Verifier(worker);

    public ConsumerRewindRequested Request(string group, string? topic = null, string target = "beginning",
        long? offset = null, DateTimeOffset? time = null, DateTimeOffset? requestedAt = null, string by = "ann") =>
        new(Guid.NewGuid().ToString("N"), worker, group, topic, target, offset, time, by, "test",
            requestedAt ?? DateTimeOffset.UtcNow);

    public async Task PublishAsync(ConsumerRewindRequested request, OperatorKey? signer = null)
    {
        var signing = new MessageSigner(Producers.Operator, [_pair], PublishRights.Pipeline).As(signer ?? Ann);
        var id = ConsumerRewindRequested.MessageIdFor(request.RequestId);
        var envelope = new Envelope(id, ConsumerRewindRequested.MessageType, ConsumerRewindRequested.SchemaVersion, id,
            null, request.RequestedAt);
        var body = JsonSerializer.SerializeToUtf8Bytes(request, OutgoingMessage.Json);
        var key = Encoding.UTF8.GetBytes(worker);
        var headers = signing.Sign(Topics.WorkerRewinds, key, OutgoingMessage.EnvelopeHeaders(envelope), body);
        using var producer = fixture.Producer();
        await producer.ProduceAsync(Topics.WorkerRewinds, new Message<byte[]?, byte[]?>
            { Key = key, Value = body, Headers = KafkaClients.Headers(headers) });
    }

    /// <summary>What the worker does at start: applies every rewind on the topic that counts.</summary>
    public Task<ConsumerRewinds.Outcome> ApplyAsync(string group, IReadOnlyList<string> topics,
        TimeProvider? clock = null) =>
        new ConsumerRewinds(fixture.DataSource, fixture.BootstrapServers, null, worker, [(group, topics)], Verifier,
            clock ?? TimeProvider.System, NullLogger.Instance).ApplyAsync(CancellationToken.None);
}
