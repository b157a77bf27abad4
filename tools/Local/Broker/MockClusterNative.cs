using System.Runtime.InteropServices;

namespace ContestPipeline.Local.Broker;

/// <summary>P/Invoke declarations for librdkafka's mock cluster (rdkafka_mock.h).</summary>
internal static partial class MockClusterNative
{
    private const string Lib = "librdkafka";

    public const int ProducerType = 0;

    [LibraryImport(Lib)]
    public static partial nint rd_kafka_conf_new();

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_conf_set(nint conf, string name, string value, byte[] errstr, nuint errstrSize);

    [LibraryImport(Lib)]
    public static partial nint rd_kafka_new(int type, nint conf, byte[] errstr, nuint errstrSize);

    [LibraryImport(Lib)]
    public static partial void rd_kafka_destroy(nint rk);

    [LibraryImport(Lib)]
    public static partial nint rd_kafka_mock_cluster_new(nint rk, int brokerCount);

    [LibraryImport(Lib)]
    public static partial void rd_kafka_mock_cluster_destroy(nint mcluster);

    [LibraryImport(Lib)]
    public static partial nint rd_kafka_mock_cluster_bootstraps(nint mcluster);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_topic_create(nint mcluster, string topic, int partitionCount,
        int replicationFactor);

    [LibraryImport(Lib)]
    public static partial int rd_kafka_mock_broker_set_down(nint mcluster, int brokerId);

    [LibraryImport(Lib)]
    public static partial int rd_kafka_mock_broker_set_up(nint mcluster, int brokerId);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_partition_set_leader(nint mcluster, string topic, int partition,
        int brokerId);

    [LibraryImport(Lib)]
    public static partial void rd_kafka_mock_push_request_errors_array(nint mcluster, short apiKey, nuint count,
        int[] errors);

    [LibraryImport(Lib)]
    public static partial void rd_kafka_mock_group_initial_rebalance_delay_ms(nint mcluster, int delayMs);

    [LibraryImport(Lib)]
    public static partial nint rd_kafka_err2str(int err);
}
