using ContestPipeline.Plumbing.Kafka;
using Microsoft.Extensions.Configuration;

namespace ContestPipeline.Plumbing;

/// <summary>
/// Where a process finds Postgres and Kafka: its environment (or any configuration source). Postgres
/// has the local default outside production; Kafka has none anywhere, so a process never reads a local
/// tool's state: whatever starts a local run (the development tool, the tests) names the local broker.
/// </summary>
public sealed record PipelineSettings(string PostgresConnectionString, string KafkaBootstrapServers)
{
    public const string PostgresVariable = "CONTESTPIPELINE_PG";
    public const string KafkaVariable = "CONTESTPIPELINE_KAFKA";
    /// <summary>Most messages a consumer applies in one transaction (tuning; results never depend on it).</summary>
    public const string ConsumerBatchVariable = "CONTESTPIPELINE_CONSUMER_BATCH_MAX";
    /// <summary>Most outbox rows the relay publishes in one batch (tuning; results never depend on it).</summary>
    public const string OutboxBatchVariable = "CONTESTPIPELINE_OUTBOX_BATCH_MAX";
    /// <summary>
    /// production, staging, development (the default) or test; see
    /// <see cref="DeploymentEnvironment"/>.
    /// </summary>
    public const string EnvironmentVariable = "CONTESTPIPELINE_ENVIRONMENT";

    /// <summary>
    /// The password of <see cref="PostgresVariable"/>'s role, kept apart from the connection string
    /// so that it can be a secret file (CONTESTPIPELINE_PG_PASSWORD_FILE) shared with whatever
    /// creates the role; it replaces any password in the connection string.
    /// </summary>
    public const string PostgresPasswordVariable = "CONTESTPIPELINE_PG_PASSWORD";

    /// <summary>
    /// The development password, known to everyone who has read the repository: refused in
    /// production.
    /// </summary>
    public const string DevelopmentPassword = "contestpipeline";

    public int ConsumerBatchSizeMax { get; init; } = Limits.ConsumerBatchSizeMax;
    public KafkaSecurity KafkaSecurity { get; init; } = KafkaSecurity.Plaintext;
    public int OutboxBatchSizeMax { get; init; } = Limits.OutboxBatchSizeMax;
    public DeploymentEnvironment Environment { get; init; } = DeploymentEnvironment.Development;

    public const string PostgresDefault =
        "Host=127.0.0.1;Port=5432;Username=contestpipeline;Password=contestpipeline;Database=contestpipeline";

    /// <summary>
    /// Where local runs keep what outlives a clone (the local broker's state file, generated
    /// signing keys): CONTESTPIPELINE_CACHE, else $XDG_CACHE_HOME/contestpipeline, else
    /// ~/.cache/contestpipeline. Never read in production or staging.
    /// </summary>
    public static string LocalCacheDirectory
    {
        get
        {
            var cacheRoot = System.Environment.GetEnvironmentVariable("CONTESTPIPELINE_CACHE");
            if (!string.IsNullOrEmpty(cacheRoot)) return cacheRoot;
            var xdg = System.Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var home = System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
            return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".cache") : xdg, "contestpipeline");
        }
    }

    public static PipelineSettings Resolve(IConfiguration? configuration = null)
    {
        var environment = DeploymentEnvironments.Read(configuration);
        var pg = ResolvePostgres(configuration, environment);
        var kafka = Setting.Required(configuration, KafkaVariable,
            "Kafka has no default; give its bootstrap servers (host:port, comma-separated)");
        return new PipelineSettings(pg, kafka)
        {
            ConsumerBatchSizeMax =
                Setting.Int(configuration, ConsumerBatchVariable, Limits.ConsumerBatchSizeMax, 1, 10_000),
            OutboxBatchSizeMax = Setting.Int(configuration, OutboxBatchVariable, Limits.OutboxBatchSizeMax, 1, 50_000),
            Environment = environment,
            KafkaSecurity = KafkaSecurity.Read(configuration),
        };
    }

    /// <summary>
    /// The process's database connection (its password from <see cref="PostgresPasswordVariable"/>
    /// when set). Production has no default and refuses the development password.
    /// </summary>
    public static string ResolvePostgres(IConfiguration? configuration, DeploymentEnvironment environment)
    {
        var pg = WithPassword(Setting.Text(configuration, PostgresVariable),
            Setting.Text(configuration, PostgresPasswordVariable), PostgresVariable);
        if (environment.IsLive())
        {
            if (pg is null)
                throw new StartupException($"{PostgresVariable} is not set: production has no default database");
            if (IsDevelopmentPassword(pg))
                throw new StartupException($"{PostgresVariable}: the development password in production; "
                    + $"give each role its own (a {PostgresPasswordVariable}{Setting.FileSuffix} secret)");
        }
        return pg ?? PostgresDefault;
    }

    private static string? WithPassword(string? connectionString, string? password, string name)
    {
        if (password is null) return connectionString;
        if (connectionString is null) throw new StartupException($"a password is set for {name} but {name} is not");
        try
        {
            return new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Password = password }.ConnectionString;
        }
        catch (ArgumentException e)
        {
            throw new StartupException($"{name}: not a Postgres connection string: {e.Message}", e);
        }
    }

    private static bool IsDevelopmentPassword(string connectionString)
    {
        try
        {
            return new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Password == DevelopmentPassword;
        }
        catch (ArgumentException e)
        {
            throw new StartupException($"not a Postgres connection string: {e.Message}", e);
        }
    }
}
