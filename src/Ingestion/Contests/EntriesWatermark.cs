using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ContestPipeline.Ingestion.Contests;

/// <summary>
/// Up to when the entries consumer group has recorded every record that reached the broker.
/// Asked at a moment T, it notes the high watermark of every partition of <c>entries</c>; once
/// the group's positions reach those marks, every record that reached the broker before T is a
/// recorded submission, and it answers T from then on, noting new marks. The positions are those the
/// consumer stores with its data and resumes from (<see cref="ConsumerPositionStore"/>), not Kafka's committed
/// offsets: after a restore from an earlier copy, or a rewind, the committed offsets still stand where the group
/// had read before, and closing on them closed a contest before its on-time submissions were read again (each
/// then refused as closed, and its fee refunded). Entries close only for contests whose
/// closing time + skew is at or before that answer: a submission on time is never lost behind a
/// busy consumer, and a steady stream of entries for other contests never keeps one open.
/// </summary>
public sealed class EntriesWatermark(PipelineSettings settings, NpgsqlDataSource dataSource, TimeProvider clock,
    ILogger<EntriesWatermark> logger)
    : IDisposable
{
    public static string Group => IngestionWorker.Shape.Group("entries").Consumer;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private IConsumer<byte[]?, byte[]?>? _consumer;
    private IAdminClient? _admin;
    private (DateTimeOffset At, Dictionary<int, long> High)? _mark;
    private DateTimeOffset _readTo = DateTimeOffset.MinValue;

    /// <summary>
    /// The latest moment before which every record on <c>entries</c> is known to be a recorded
    /// submission.
    /// </summary>
    public Task<DateTimeOffset> ReadToAsync(CancellationToken ct) => Task.Run(() =>
    {
        lock (_gate)
        {
            try
            {
                Advance();
            }
            catch (KafkaException e)
            {
                // The broker away: what was known stays known, and entries wait meanwhile.
                logger.LogWarning("Could not tell how far {Group} has read {Topic}; entries stay open: {Error}",
                    Group, Topics.Entries, e.Message);
                Reset();
            }
            return _readTo;
        }
    }, ct);

    private void Advance()
    {
        var config = KafkaClients.ConsumerConfig(settings.KafkaBootstrapServers, Group, settings.KafkaSecurity);
        _consumer ??= KafkaClients.ConsumerBuilder(config, logger).Build();
        _admin ??= KafkaClients.Admin(settings.KafkaBootstrapServers, logger, settings.KafkaSecurity);
        if (_mark is null)
        {
            // The time first: every record that reached the broker before it is below the marks read after.
            var at = clock.GetUtcNow();
            _mark = (at, Partitions().ToDictionary(tp => tp.Partition.Value,
                tp => _consumer.QueryWatermarkOffsets(tp, Timeout).High.Value));
        }
        var (markedAt, high) = _mark.Value;
        var stored = new ConsumerPositionStore(IngestionWorker.Name, Group)
            .Load(dataSource, [.. high.Keys.Select(p => (Topics.Entries, p))]);
        foreach (var (partition, mark) in high)
        {
            // A partition with no stored position is read from its beginning: nothing of it is recorded yet.
            var position = stored.TryGetValue((Topics.Entries, partition), out var next) ? next
                : _consumer.QueryWatermarkOffsets(new TopicPartition(Topics.Entries, partition), Timeout).Low.Value;
            if (position < mark) return;
        }
        _readTo = markedAt;
        _mark = null;
    }

    private List<TopicPartition> Partitions() =>
        [.. _admin!.GetMetadata(Topics.Entries, Timeout).Topics[0].Partitions
            .Select(p => new TopicPartition(Topics.Entries, p.PartitionId))];

    private void Reset()
    {
        _consumer?.Dispose();
        _admin?.Dispose();
        (_consumer, _admin, _mark) = (null, null, null);
    }

    public void Dispose()
    {
        lock (_gate) Reset();
    }
}
