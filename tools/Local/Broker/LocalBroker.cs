using ContestPipeline.Plumbing.Kafka;
using System.Runtime.InteropServices;
using System.Text;

namespace ContestPipeline.Local.Broker;

/// <summary>
/// librdkafka's mock cluster: N brokers speaking the real Kafka wire protocol on
/// 127.0.0.1, with fault injection. Data lives in memory for as long as this object, so
/// it is hosted in its own process (cpdev broker) and workers come and go around it.
/// </summary>
public sealed class LocalBroker : IDisposable
{
    private nint _rk;
    private nint _cluster;

    public int BrokerCount { get; }
    public string BootstrapServers { get; }

    public LocalBroker(int brokerCount)
    {
        if (brokerCount is < 1 or > 9) throw new ArgumentOutOfRangeException(nameof(brokerCount), "1..9 brokers");
        KafkaNative.EnsureLoaded(typeof(LocalBroker).Assembly);
        var errstr = new byte[512];
        var conf = MockClusterNative.rd_kafka_conf_new();
        // The handle only owns the cluster; it never connects anywhere itself.
        MockClusterNative.rd_kafka_conf_set(conf, "bootstrap.servers", "", errstr, (nuint)errstr.Length);
        MockClusterNative.rd_kafka_conf_set(conf, "log_level", "3", errstr, (nuint)errstr.Length);
        _rk = MockClusterNative.rd_kafka_new(MockClusterNative.ProducerType, conf, errstr, (nuint)errstr.Length);
        if (_rk == 0) throw new InvalidOperationException("rd_kafka_new failed: " + CString(errstr));
        _cluster = MockClusterNative.rd_kafka_mock_cluster_new(_rk, brokerCount);
        if (_cluster == 0)
        {
            MockClusterNative.rd_kafka_destroy(_rk);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed");
        }
        // The mock delays a new group's first rebalance by 3 s like a real broker; local
        // runs and tests gain nothing from that wait.
        MockClusterNative.rd_kafka_mock_group_initial_rebalance_delay_ms(_cluster, 0);
        BrokerCount = brokerCount;
        BootstrapServers = Marshal.PtrToStringUTF8(MockClusterNative.rd_kafka_mock_cluster_bootstraps(_cluster))
            ?? throw new InvalidOperationException("mock cluster has no bootstrap servers");
    }

    public void CreateTopic(string topic, int partitions, int replicationFactor)
    {
        Check(MockClusterNative.rd_kafka_mock_topic_create(Cluster, topic, partitions,
                Math.Min(replicationFactor, BrokerCount)),
            $"create topic {topic}");
    }

    /// <summary>
    /// How long a new consumer group's first rebalance waits for more members to join (a real broker's default is
    /// 3 s; the local one starts at 0).
    /// </summary>
    public void SetInitialRebalanceDelay(int delayMs) =>
        MockClusterNative.rd_kafka_mock_group_initial_rebalance_delay_ms(Cluster, delayMs);

    /// <summary>Disconnects a broker and refuses new connections (-1: all). No leader change.</summary>
    public void SetBrokerDown(int brokerId) =>
        Check(MockClusterNative.rd_kafka_mock_broker_set_down(Cluster, brokerId), $"broker {brokerId} down");

    public void SetBrokerUp(int brokerId) =>
        Check(MockClusterNative.rd_kafka_mock_broker_set_up(Cluster, brokerId), $"broker {brokerId} up");

    public void SetPartitionLeader(string topic, int partition, int brokerId) =>
        Check(MockClusterNative.rd_kafka_mock_partition_set_leader(Cluster, topic, partition, brokerId),
            $"leader of {topic}/{partition}");

    /// <summary>The next <paramref name="errorCodes"/>.Length requests of <paramref name="apiKey"/> fail with these
    /// codes.</summary>
    public void PushRequestErrors(short apiKey, int[] errorCodes) =>
        MockClusterNative.rd_kafka_mock_push_request_errors_array(Cluster, apiKey, (nuint)errorCodes.Length,
            errorCodes);

    private nint Cluster => _cluster != 0 ? _cluster : throw new ObjectDisposedException(nameof(LocalBroker));

    private static void Check(int err, string what)
    {
        if (err != 0)
            throw new InvalidOperationException(
                $"{what}: {Marshal.PtrToStringUTF8(MockClusterNative.rd_kafka_err2str(err))} ({err})");
    }

    private static string CString(byte[] buffer)
    {
        var end = Array.IndexOf(buffer, (byte)0);
        return Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
    }

    public void Dispose()
    {
        if (_cluster != 0) MockClusterNative.rd_kafka_mock_cluster_destroy(_cluster);
        if (_rk != 0) MockClusterNative.rd_kafka_destroy(_rk);
        _cluster = 0;
        _rk = 0;
    }
}
