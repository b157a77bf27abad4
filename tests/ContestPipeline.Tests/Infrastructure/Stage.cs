using Confluent.Kafka;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Plumbing;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContestPipeline.Tests.Infrastructure;

/// <summary>
/// One pipeline stage run in the test process against the real database and broker:
/// an outbox relay and an inbox consumer on a fresh schema, each startable, stoppable
/// and crashable on its own.
/// </summary>
public sealed class Stage(PipelineFixture fixture, string schema, string topic, bool batchHandler = false)
    : IAsyncDisposable
{
    private readonly List<(CancellationTokenSource Cts, Task Task)> _running = [];
    private IProducer<byte[]?, byte[]?>? _producer;

    public string Schema { get; } = schema;
    public string Topic { get; } = topic;
    public TestEffects Effects { get; } = batchHandler ? new BatchTestEffects(schema) : new TestEffects(schema);
    public OutboxStore Outbox { get; } = new(schema);

    public static async Task<Stage> CreateAsync(PipelineFixture fixture, int partitions = 4,
        bool batchHandler = false) =>
        new(fixture, await fixture.NewSchemaAsync(), await fixture.NewTopicAsync(partitions), batchHandler);

    public async Task EnqueueAsync(IReadOnlyList<OutgoingMessage> messages)
    {
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await Outbox.AddAsync(conn, tx, messages, CancellationToken.None);
        await tx.CommitAsync();
    }

    public OutboxRelay Relay(CrashPoints? crashPoints = null, int batchSizeMax = Limits.OutboxBatchSizeMax,
        TimeSpan? deliveryTimeout = null)
    {
        _producer ??= fixture.Producer(Schema + ".relay");
        var options = new OutboxRelayOptions
        {
            Schema = Schema, BatchSizeMax = batchSizeMax,
            DeliveryTimeout = deliveryTimeout ?? TimeSpan.FromMilliseconds(Limits.OutboxDeliveryTimeoutMs),
        };
        return new OutboxRelay(fixture.DataSource, _producer, options, crashPoints ?? new CrashPoints(null),
            NullLogger<OutboxRelay>.Instance);
    }

    public InboxConsumer Consumer(string? name = null, CrashPoints? crashPoints = null,
        int batchSizeMax = Limits.ConsumerBatchSizeMax,
        IPartitionOwner? partitionOwner = null) =>
        new(fixture.DataSource, fixture.BootstrapServers, [Effects],
            new InboxConsumerOptions
            {
                Consumer = name ?? Schema + ".consumer", Schema = Schema, Topics = [Topic],
                ConflictBackoffMs = 20, ConflictBackoffMsMax = 100, BatchSizeMax = batchSizeMax,
                PartitionOwner = partitionOwner,
            },
            crashPoints ?? new CrashPoints(null), TimeProvider.System, NullLogger.Instance);

    /// <summary>
    /// Runs a loop in the background until <see cref="StopAllAsync"/>, its own
    /// <see cref="Running.StopAsync"/>, or it ends (or crashes) by itself.
    /// </summary>
    public Running Start(Func<CancellationToken, Task> loop)
    {
        var cts = new CancellationTokenSource();
        var task = Task.Run(() => loop(cts.Token));
        _running.Add((cts, task));
        return new Running(cts, task);
    }

    /// <summary>One loop started by <see cref="Start"/>.</summary>
    public sealed class Running(CancellationTokenSource cts, Task task)
    {
        /// <summary>
        /// Cancels the loop, as a worker's shutdown does, and waits for it; what it throws, the caller sees.
        /// </summary>
        public async Task StopAsync()
        {
            await cts.CancelAsync();
            await task;
        }
    }

    public async Task StopAllAsync()
    {
        foreach (var (cts, _) in _running) await cts.CancelAsync();
        foreach (var (cts, task) in _running)
        {
            try { await task; } catch (SimulatedCrashException) { }
            cts.Dispose();
        }
        _running.Clear();
    }

    public async Task<List<(string MessageId, string Key, int Seq)>> AppliedAsync()
    {
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        return (await conn.QueryAsync<(string, string, int)>(
            $"SELECT message_id, msg_key, seq FROM {Schema}.effects ORDER BY applied_order")).ToList();
    }

    /// <summary>
    /// Whether the relay ever failed to deliver a round (its last error stays after a later success).
    /// </summary>
    public async Task<bool> DeliveryFailedAsync()
    {
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>($"SELECT last_error IS NOT NULL FROM {Schema}.outbox_relay");
    }

    public async Task<long> UnsentAsync()
    {
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Schema}.outbox_unsent");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAllAsync();
        _producer?.Dispose();
    }
}
