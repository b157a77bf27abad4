using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Kafka;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Ingestion.Extensions;

/// <summary>
/// Whether the entries consumer group has committed every record on the broker (the committed
/// offset of each partition of <c>entries</c> at its high watermark). Offsets are committed
/// only after the transaction that recorded the submissions, so once this is true every record
/// that reached the broker before the question was asked is a recorded submission. Entries
/// close only after that: a submission on time is never lost behind a busy consumer.
/// </summary>
public sealed class EntriesReadToEnd(PipelineSettings settings, ILogger<EntriesReadToEnd> logger)
{
    public static string Group => IngestionWorker.Shape.Group("entries").Consumer;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public Task<bool> AskAsync(CancellationToken ct) => Task.Run(() =>
    {
        try
        {
            using var consumer = KafkaClients.ConsumerBuilder(KafkaClients.ConsumerConfig(settings.KafkaBootstrapServers, Group, settings.KafkaSecurity), logger).Build();
            using var admin = KafkaClients.Admin(settings.KafkaBootstrapServers, logger, settings.KafkaSecurity);
            var partitions = admin.GetMetadata(Topics.Entries, Timeout).Topics[0].Partitions
                .Select(p => new TopicPartition(Topics.Entries, p.PartitionId)).ToList();
            var committed = consumer.Committed(partitions, Timeout);
            foreach (var c in committed)
            {
                var w = consumer.QueryWatermarkOffsets(c.TopicPartition, Timeout);
                var position = c.Offset == Offset.Unset ? w.Low.Value : c.Offset.Value;
                if (position < w.High.Value) return false;
            }
            return true;
        }
        catch (KafkaException e)
        {
            logger.LogWarning("Could not tell whether {Group} has read {Topic} to the end; entries stay open meanwhile: {Error}", Group, Topics.Entries, e.Message);
            return false;
        }
    }, ct);
}
