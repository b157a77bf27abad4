using Npgsql;

namespace ContestPipeline.Local.Bench.Peer;

/// <summary>
/// One run of a peer: the broker and database the pipeline's run used, a topic the bench created with the same
/// partitions, a consumer group and a database schema of the run's own, the same messages (count, keys, body size,
/// messages per writer transaction) and the same warm-up. <paramref name="ClockStarts"/> is called after the
/// warm-up and before the first measured message is written.
/// </summary>
public sealed record PeerRunRequest(
    string BootstrapServers,
    NpgsqlDataSource DataSource,
    string Schema,
    string Topic,
    string ConsumerGroup,
    int Messages,
    int TransactionSize,
    int WarmUp,
    int PayloadBytes,
    Func<int, string> KeyOf,
    Func<Task> ClockStarts,
    TimeSpan Timeout);
