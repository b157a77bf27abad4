using Confluent.Kafka;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ContestPipeline.Tests.Infrastructure;

/// <summary>
/// The real components every integration test talks to: a private Postgres database
/// (dropped and created at start) and Kafka reached over TCP: the local Kafka-protocol broker in its
/// own process, or a Kafka container where one is asked for (<see cref="TestBroker"/>).
/// </summary>
public sealed class PipelineFixture : IAsyncLifetime
{
    private static int _instances;

    /// <summary>Which fixture of this test process it is: each collection that runs in parallel has its own.</summary>
    private readonly int _instance = Interlocked.Increment(ref _instances);

    /// <summary>
    /// Per test process and fixture, so two runs on one machine, or two collections of one run, never drop each other's
    /// database.
    /// </summary>
    public string DatabaseName => $"contestpipeline_test_{Environment.ProcessId}_{_instance}";

    private string _adminConnectionString = "";

    public string PostgresConnectionString { get; private set; } = "";

    /// <summary>
    /// The cluster's connection for the pipeline's role, on its default database: for tests that make databases of
    /// their own.
    /// </summary>
    public string AdminConnectionString => _adminConnectionString;
    public NpgsqlDataSource DataSource { get; private set; } = null!;
    public TestBroker Broker { get; private set; } = null!;
    public string BootstrapServers => Broker.BootstrapServers;
    public string WorkDirectory => Path.Combine(Path.GetTempPath(), "contestpipeline-tests-" + Environment.ProcessId,
        _instance.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(WorkDirectory);
        var admin = new NpgsqlConnectionStringBuilder(
            Environment.GetEnvironmentVariable(PipelineSettings.PostgresVariable) ?? PipelineSettings.PostgresDefault);
        await PipelineWorker.CheckPostgresAsync(admin.ConnectionString);
        _adminConnectionString = admin.ConnectionString;
        await using (var conn = new NpgsqlConnection(admin.ConnectionString))
        {
            await conn.OpenAsync();
            await conn.ExecuteAsync($"DROP DATABASE IF EXISTS {DatabaseName} WITH (FORCE)");
            await conn.ExecuteAsync($"CREATE DATABASE {DatabaseName}");
        }
        admin.Database = DatabaseName;
        PostgresConnectionString = admin.ConnectionString;
        DataSource = NpgsqlDataSource.Create(PostgresConnectionString);
        Broker = await TestBroker.StartAsync(Path.Combine(WorkDirectory, "broker.json"),
            Path.Combine(WorkDirectory, "broker.log"));
    }

    public async Task DisposeAsync()
    {
        await Broker.DisposeAsync();
        await DataSource.DisposeAsync();
        await DropDatabaseAsync(DatabaseName);
    }

    /// <summary>
    /// Best effort: cleaning up is housekeeping, and Postgres may refuse to end a backend our
    /// role does not own (it did, intermittently), so a database that cannot be dropped after
    /// a few tries is left behind rather than failing a test whose assertions passed.
    /// </summary>
    public async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                await using var conn = new NpgsqlConnection(_adminConnectionString);
                await conn.OpenAsync();
                await conn.ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                return;
            }
            catch (PostgresException e) when (e.SqlState is "42501" or "55006")
            {
                if (attempt == 3) Console.Error.WriteLine($"test database {name} left behind: {e.MessageText}");
                else await Task.Delay(500 * attempt);
            }
        }
    }

    /// <summary>
    /// A private database with one worker's schema migrated, dropped when disposed: for running a worker's store or
    /// job against its real schema without sharing rows with other tests.
    /// </summary>
    public async Task<WorkerDatabase> WorkerDatabaseAsync(string worker, IReadOnlyList<Migration> migrations)
    {
        var name = $"contestpipeline_{worker}_" + Guid.NewGuid().ToString("N")[..10];
        await using (var admin = await DataSource.OpenConnectionAsync())
            await admin.ExecuteAsync($"CREATE DATABASE {name}");
        var dataSource = NpgsqlDataSource.Create(
            new NpgsqlConnectionStringBuilder(PostgresConnectionString) { Database = name }.ConnectionString);
        var database = new WorkerDatabase(dataSource, () => DropDatabaseAsync(name));
        try
        {
            await new Migrator(dataSource, worker, migrations, NullLogger.Instance).ApplyAsync(CancellationToken.None);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
        return database;
    }

    /// <summary>
    /// A private database and broker for tests that run real worker processes, whose
    /// schemas and consumer groups have fixed names that other tests must not share. The
    /// database is made as compose's postgres service makes its own (owned by the migrator,
    /// nobody else may create in it); the test's own connection, the pipeline's role, is a
    /// member of the migrator and reads and writes everything.
    /// </summary>
    /// <param name="migrated">
    /// Whether the database is made as the migrate job leaves it (<see cref="MigratedTemplate"/>), rather than empty.
    /// </param>
    public async Task<Isolated> IsolatedAsync(bool migrated = false)
    {
        var name = "contestpipeline_iso_" + Guid.NewGuid().ToString("N")[..10];
        var csb = new NpgsqlConnectionStringBuilder(migrated
            ? await MigratedTemplate.CreateAsync(PostgresConnectionString, name, WorkDirectory)
            : await LocalPostgres.CreateDatabaseAsync(PostgresConnectionString, name));
        var broker = await TestBroker.StartAsync(Path.Combine(WorkDirectory, name + ".broker.json"),
            Path.Combine(WorkDirectory, name + ".broker.log"));
        return new Isolated(csb.ConnectionString, broker, NpgsqlDataSource.Create(csb.ConnectionString),
            () => DropDatabaseAsync(name));
    }

    /// <summary>Messages in <paramref name="topic"/> that <paramref name="group"/> has not committed yet.</summary>
    public static long Lag(string bootstrapServers, string group, string topic) =>
        OutsideWorld.Lag(bootstrapServers, group, topic);

    /// <summary>A fresh schema with the messaging core's tables and a table for test effects.</summary>
    public async Task<string> NewSchemaAsync()
    {
        var schema = "t_" + Guid.NewGuid().ToString("N")[..12];
        await new Migrator(DataSource, schema, [.. Migration.Plumbing, TestEffects.Migration], NullLogger.Instance)
            .ApplyAsync(CancellationToken.None);
        return schema;
    }

    /// <summary>A fresh topic (and its dead-letter topic).</summary>
    public async Task<string> NewTopicAsync(int partitions = 4)
    {
        var topic = "t." + Guid.NewGuid().ToString("N")[..12];
        await Broker.CreateTopicAsync(topic, partitions);
        await Broker.CreateTopicAsync(topic + ".dlq", partitions);
        return topic;
    }

    public IProducer<byte[]?, byte[]?> Producer(string clientId = "tests") =>
        KafkaClients.Producer(KafkaClients.ProducerConfig(BootstrapServers, clientId), NullLogger.Instance);

    /// <summary>
    /// Every message on a topic now: read from the beginning up to each partition's end as the
    /// broker gives it at the call, without waiting for more (what was published before the
    /// call, e.g. an outbox the test saw fully relayed, is all there).
    /// </summary>
    public List<ConsumeResult<byte[]?, byte[]?>> ReadToEnd(string topic) => ReadToEnd(BootstrapServers, topic);

    /// <summary><see cref="ReadToEnd(string)"/> on another broker, e.g. a test's isolated one.</summary>
    public static List<ConsumeResult<byte[]?, byte[]?>> ReadToEnd(string bootstrapServers, string topic)
    {
        var config = KafkaClients.ConsumerConfig(bootstrapServers, "reader." + Guid.NewGuid().ToString("N"));
        config.EnableAutoCommit = false;
        using var consumer = KafkaClients.ConsumerBuilder(config, NullLogger.Instance).Build();
        using var admin = KafkaClients.Admin(bootstrapServers);
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics[0].Partitions
            .Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        var (results, unfinished) = OutsideWorld.ReadToEnds(consumer, partitions, Eventually.Patience);
        Assert.True(unfinished == 0,
            $"timed out reading {topic} to its end ({results.Count} messages read, {unfinished} partitions short)");
        return results;
    }

    /// <summary>
    /// Every message on a topic, read from the beginning once at least <paramref name="expected"/> are there.
    /// </summary>
    public List<ConsumeResult<byte[]?, byte[]?>> ReadAll(string topic, int expected) =>
        Eventually.Until(() => ReadToEnd(topic), r => r.Count >= expected,
            $"{expected} messages on {topic} (count last observed)");
}

/// <summary>
/// The integration tests are split between three collections that run side by side, each with its
/// own fixture (database and broker); tests that start worker processes isolate themselves
/// further (<see cref="PipelineFixture.IsolatedAsync"/>), so the three share no state. Which
/// collection a test class is in only balances their running times, measured from a whole run's
/// results (xunit.runner.json lets the three run at once: a fourth only adds a stack's processes
/// to two cores already busy).
/// </summary>
[CollectionDefinition(Name)]
public sealed class PipelineCollection : ICollectionFixture<PipelineFixture>
{
    public const string Name = "pipeline";
}

/// <summary>The second of the three integration collections (see <see cref="PipelineCollection"/>).</summary>
[CollectionDefinition(Name)]
public sealed class PipelineCollectionB : ICollectionFixture<PipelineFixture>
{
    public const string Name = "pipeline-b";
}

/// <summary>The third of the three integration collections (see <see cref="PipelineCollection"/>).</summary>
[CollectionDefinition(Name)]
public sealed class PipelineCollectionC : ICollectionFixture<PipelineFixture>
{
    public const string Name = "pipeline-c";
}

public sealed record Isolated(string PostgresConnectionString, TestBroker Broker, NpgsqlDataSource DataSource,
    Func<Task> Drop) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await Broker.DisposeAsync();
        await Drop();
    }
}

/// <summary>
/// A test's private database (<see cref="PipelineFixture.WorkerDatabaseAsync"/>), dropped when disposed.
/// </summary>
public sealed record WorkerDatabase(NpgsqlDataSource DataSource, Func<Task> Drop) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await Drop();
    }
}
