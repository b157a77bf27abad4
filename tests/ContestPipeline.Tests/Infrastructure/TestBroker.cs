using ContestPipeline.Contracts;
using ContestPipeline.Local.Broker;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.StripeEmulation;
using Testcontainers.Kafka;

namespace ContestPipeline.Tests.Infrastructure;

/// <summary>
/// The Kafka the integration tests talk to. By default the local Kafka-protocol broker in its own
/// process (librdkafka's mock cluster, which also injects faults). With
/// <c>CONTESTPIPELINE_TEST_KAFKA=container</c>, a real Apache Kafka (KRaft, one broker) started through
/// Testcontainers.Kafka, for a machine or a CI with Docker. When that is asked for and Docker or the
/// image is not there, starting fails with one line saying so: the suite never falls back to the
/// local broker without being told.
/// </summary>
public sealed class TestBroker : IAsyncDisposable
{
    public const string Variable = "CONTESTPIPELINE_TEST_KAFKA";

    /// <summary>The image the container path runs; Apache's own, in KRaft mode.</summary>
    public const string Image = "apache/kafka:4.1.1";

    private readonly LocalBrokerProcess? _local;
    private readonly KafkaContainer? _container;

    private TestBroker(LocalBrokerProcess? local, KafkaContainer? container, string bootstrapServers)
    {
        _local = local;
        _container = container;
        BootstrapServers = bootstrapServers;
    }

    public string BootstrapServers { get; }

    /// <summary>
    /// The swaps of a run on this broker: the same for both kinds, except that the topics job provisions the local
    /// broker through its control endpoint and a container through the Kafka admin API.
    /// </summary>
    public LocalSwaps Swaps(string runDirectory, string postgres, StripeEmulator stripe) =>
        LocalSwaps.For(runDirectory, BootstrapServers, _local?.StateFile, postgres, stripe);

    /// <summary>Whether this run's tests talk to a Kafka container (the switch is set), not the local broker.</summary>
    public static bool UsesContainer => Kind(Environment.GetEnvironmentVariable(Variable)) == "container";

    /// <summary>
    /// The local broker's fault injection (brokers down, request errors, leader moves). Only the
    /// local broker has it: the tests that need it run on it alone (<see cref="LocalBrokerFactAttribute"/>).
    /// </summary>
    public BrokerControlClient Control => _local?.Control ?? throw new InvalidOperationException(
        $"fault injection needs the local broker; this run uses a Kafka container ({Variable}=container)");

    /// <summary>Why a test that <paramref name="needs"/> the local broker itself is skipped.</summary>
    public static string SkipReason(string needs) =>
        $"needs the local broker ({needs}); this run uses a Kafka container ({Variable}=container)";

    /// <summary>The broker this run asked for, with every topic of the topic list.</summary>
    public static Task<TestBroker> StartAsync(string stateFile, string logPath) =>
        UsesContainer ? StartContainerAsync() : StartLocalAsync(stateFile, logPath);

    public static async Task<TestBroker> StartLocalAsync(string stateFile, string logPath)
    {
        var local = await LocalBrokerProcess.StartAsync(stateFile, logPath);
        return new TestBroker(local, null, local.BootstrapServers);
    }

    /// <summary>
    /// A single-broker Apache Kafka container with the topic list (one replica each). Any failure to
    /// get there (no Docker, no image) is one line naming the switch and the cause.
    /// </summary>
    public static async Task<TestBroker> StartContainerAsync(string? dockerEndpoint = null)
    {
        KafkaContainer? container = null;
        try
        {
            var builder = new KafkaBuilder(Image).WithKRaft();
            if (dockerEndpoint is not null) builder = builder.WithDockerEndpoint(dockerEndpoint);
            container = builder.Build();
            await container.StartAsync();
            // GetBootstrapAddress is a URI (plaintext://host:port/); the pipeline's settings take host:port.
            var address = new Uri(container.GetBootstrapAddress());
            var broker = new TestBroker(null, container, $"{address.Host}:{address.Port}");
            await TopicProvisioner.ApplyAsync(new KafkaTopicAdmin(broker.BootstrapServers),
                TopicCatalog.ForLocalBroker(1), dryRun: false, CancellationToken.None);
            return broker;
        }
        catch (Exception e)
        {
            if (container is not null) await container.DisposeAsync();
            throw new InvalidOperationException(
                $"{Variable}=container: no Kafka container ({Image}) could be started: {OneLine(e)}; " +
                $"run without {Variable} (or with {Variable}=local) to use the local broker");
        }
    }

    /// <summary>A topic with <paramref name="partitions"/> partitions and one replica.</summary>
    public async Task CreateTopicAsync(string topic, int partitions)
    {
        if (_local is not null)
            await _local.Control.CreateTopicAsync(topic, partitions);
        else
            await new KafkaTopicAdmin(BootstrapServers).CreateAsync(
                new TopicSpec(topic, partitions, 1, 1, TopicCatalog.DeadLetterRetentionMs, TopicCatalog.Delete),
                CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (_local is not null) await _local.DisposeAsync();
        if (_container is not null) await _container.DisposeAsync();
    }

    private static string? Kind(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Trim().ToLowerInvariant();

    private static string OneLine(Exception e) =>
        string.Join(" ", (e.GetBaseException() == e ? e.Message : $"{e.Message} ({e.GetBaseException().Message})")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
