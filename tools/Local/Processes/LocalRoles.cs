using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Database;
using Npgsql;

namespace ContestPipeline.Local.Processes;

/// <summary>
/// How local runs (tests, the demo, the campaign, benchmarks) start a worker as production
/// does: as its own runtime role (build/postgres.sh creates them with the development
/// password), with the database's owner as the migrator that applies its migrations at start.
/// </summary>
public static class LocalRoles
{
    /// <summary>The worker's settings: its runtime role's connection and the migrator's.</summary>
    public static Dictionary<string, string?> WorkerEnvironment(string ownerConnectionString, string worker) => new()
    {
        [PipelineSettings.PostgresVariable] = RuntimeConnection(ownerConnectionString, worker),
        [PipelineSettings.PostgresMigratorVariable] = ownerConnectionString,
    };

    /// <summary>The same database and server as <paramref name="ownerConnectionString"/>, as the worker's runtime role.</summary>
    public static string RuntimeConnection(string ownerConnectionString, string worker) =>
        new NpgsqlConnectionStringBuilder(ownerConnectionString)
        {
            Username = DatabaseRoles.Runtime(worker), Password = PipelineSettings.DevelopmentPassword,
        }.ConnectionString;
}
