using ContestPipeline.Plumbing.Database;

namespace ContestPipeline.Plumbing.Hosting;

/// <summary>
/// A worker as the rest of the deployment sees it, without its code: its name (also its schema,
/// its producer name and its database role's suffix), its consumer groups and their topics, its
/// migrations, and the tables its role may only append to. The registry of every worker's shape
/// is ContestPipeline.Deployment, which the operator's tool reads; a worker's
/// <see cref="WorkerDefinition"/> adds its code to its shape.
/// </summary>
public sealed record WorkerShape(string Name, IReadOnlyList<ConsumerGroup> Consumers,
    IReadOnlyList<Migration> Migrations)
{
    /// <summary>
    /// Tables the worker's runtime role may only insert into and read (a ledger): no UPDATE, DELETE
    /// or TRUNCATE.
    /// </summary>
    public IReadOnlyList<string> AppendOnlyTables { get; init; } = [];

    /// <summary>
    /// The services that consume a topic (from every worker's shape): what the worker signs each message for.
    /// Null: it signs for every consumer it holds a pair key for.
    /// </summary>
    public Func<string, IReadOnlyList<string>>? ReadersOf { get; init; }

    /// <summary>
    /// Roles that may read some of the worker's tables and nothing else (see
    /// <see cref="SchemaGrants.TableReaders"/>).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> TableReaders { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// Roles that may add rows to some of the worker's tables and read them
    /// (see <see cref="SchemaGrants.TableInserters"/>).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> TableInserters { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Columns the read-only role may not read (see <see cref="SchemaGrants.HiddenFromReader"/>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> HiddenFromReader { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>The consumer group named <c>&lt;worker&gt;.<paramref name="suffix"/></c>.</summary>
    public ConsumerGroup Group(string suffix) =>
        Consumers.SingleOrDefault(c => c.Consumer == Name + "." + suffix)
        ?? throw new InvalidOperationException($"worker {Name} has no consumer group {Name}.{suffix}");

    /// <summary>What the migrator grants in the worker's schema, to its runtime role and the operations role.</summary>
    public SchemaGrants Grants =>
        new(DatabaseRoles.Runtime(Name), AppendOnlyTables)
        {
            TableReaders = TableReaders, TableInserters = TableInserters, HiddenFromReader = HiddenFromReader,
        };

    /// <summary>
    /// The topics the worker cannot run without: those it consumes, their dead-letter topics and
    /// alerts. It refuses to start when one is missing (topics are provisioned, never auto-created).
    /// </summary>
    public IReadOnlyList<string> RequiredTopics =>
        [.. Consumers.SelectMany(c => c.Topics)
            .SelectMany(t => new[] { t, Contracts.Topics.DeadLetter(t) })
            .Append(Contracts.Topics.Alerts)
            .Distinct()];

    /// <summary>
    /// How long the worker's inbox keeps a message id: as long as Kafka keeps any topic its
    /// consumers read, or their dead-letter topics (the topic list's retention), so that a
    /// replay or a re-drive of anything the broker still holds is a no-op.
    /// </summary>
    public TimeSpan InboxRetention =>
        TimeSpan.FromMilliseconds(Consumers.Count == 0
            ? 0
            : Contracts.TopicCatalog.LongestRetentionMs(Consumers.SelectMany(c => c.Topics)));

    /// <summary>The schema's migrations: the messaging core's first, then the worker's own.</summary>
    public IReadOnlyList<Migration> AllMigrations => [.. Migration.Plumbing, .. Migrations];
}
