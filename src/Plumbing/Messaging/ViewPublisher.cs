using Confluent.Kafka;
using ContestPipeline.Plumbing.Kafka;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Publishes views straight to Kafka, not through the outbox: messages that restate what a worker
/// holds and that the next one supersedes (live standings, recomputed every 100 ms). No consumer
/// acts on a view as a fact, so one lost with a crash or a failed delivery is not a fact lost: the
/// next round publishes a newer one. Facts, which must not be lost, go through the outbox. A view
/// is signed as the worker, exactly as the relay signs a row, so its consumers verify it the same
/// way. A round is produced through the relay's idempotent producer (per-key order) and awaited:
/// the caller learns it is on the broker before it records it as published.
/// </summary>
public sealed class ViewPublisher(IProducer<byte[]?, byte[]?> producer, MessageSigner? signer, TimeSpan timeout)
{
    /// <summary>Produces <paramref name="views"/> in order and waits until the broker acknowledged every one.</summary>
    /// <exception cref="MessageRejectedException">A view larger than a message may be; nothing was produced.
    /// </exception>
    /// <exception cref="TransientDependencyException">Kafka did not acknowledge every one (an error, or not in time):
    /// whether the others went out does not matter, the next round supersedes them.</exception>
    public async Task PublishAsync(IReadOnlyList<OutgoingMessage> views, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(views);
        foreach (var view in views.Where(v => v.WireBytes > Limits.MessageBytesMax))
            throw new MessageRejectedException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"view {view.MessageType} {view.OutboxId} on {view.Topic} would be {view.WireBytes:N0} bytes; "
                + $"a message is at most {Limits.MessageBytesMax:N0}"));
        if (views.Count == 0) return;

        var errors = await KafkaClients.ProduceAllAsync(producer, views.Count,
            i => (views[i].Topic, KafkaClients.Message(views[i], signer)), timeout, ct);
        var failed = errors.Select((error, i) => (error, i)).Where(x => x.error is not null).ToList();
        if (failed.Count > 0)
            throw new TransientDependencyException("kafka", new InvalidOperationException(
                $"{failed.Count} of {views.Count} views not acknowledged, the first {views[failed[0].i].OutboxId} on "
                + $"{views[failed[0].i].Topic}: {failed[0].error}"));
    }
}
