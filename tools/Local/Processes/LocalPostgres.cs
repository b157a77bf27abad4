using ContestPipeline.Deployment;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Database;
using Dapper;
using Npgsql;

namespace ContestPipeline.Local.Processes;

/// <summary>
/// The machine's PostgreSQL set up as compose's postgres service sets up its own: every role some
/// service connects as (<see cref="Services.DatabaseRoleNames"/>, here with the development
/// password), and each run's database owned by the migrator and started with
/// deploy/postgres/database.sql. The pipeline's own role (build/postgres.sh, with CREATEDB and
/// CREATEROLE) makes them, and is a member of the migrator so that it can make, read and drop
/// the migrator's databases.
/// </summary>
public static class LocalPostgres
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _rolesReady;

    /// <summary>Creates the roles that are missing; safe to call from several processes at once.</summary>
    public static async Task EnsureRolesAsync(string adminConnectionString, CancellationToken ct = default)
    {
        await Gate.WaitAsync(ct);
        try
        {
            if (_rolesReady) return;
            await using var conn = new NpgsqlConnection(adminConnectionString);
            await conn.OpenAsync(ct);
            foreach (var role in Services.DatabaseRoleNames)
            {
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        if (await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname " +
                            "= @role)", new { role })) break;
                        await conn.ExecuteAsync(
                            $"CREATE ROLE {SqlNames.Identifier(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE " +
                            $"NOINHERIT PASSWORD '{PipelineSettings.DevelopmentPassword}'");
                        break;
                    }
                    catch (PostgresException e) when (attempt < 3
                        && e.SqlState is PostgresErrorCodes.DuplicateObject or PostgresErrorCodes.UniqueViolation)
                    {
                        // Another process created it meanwhile.
                    }
                }
            }
            var admin = new NpgsqlConnectionStringBuilder(adminConnectionString).Username!;
            if (!await conn.ExecuteScalarAsync<bool>("SELECT pg_has_role(@admin, @migrator, 'MEMBER')", new { admin,
                migrator = DatabaseRoles.Migrator }))
                await conn.ExecuteAsync($"GRANT {DatabaseRoles.Migrator} TO {SqlNames.Identifier(admin)}");
            _rolesReady = true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new InvalidOperationException(
                $"the pipeline's role cannot create the services' roles ({e.MessageText}): " +
                "run build/postgres.sh (./run does), which gives it CREATEROLE", e);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>
    /// A database as compose's postgres service makes its own: owned by the migrator, with
    /// deploy/postgres/database.sql applied. Returns its connection string for the pipeline's role.
    /// </summary>
    public static async Task<string> CreateDatabaseAsync(string adminConnectionString, string name,
        bool dropFirst = false, CancellationToken ct = default)
    {
        await EnsureRolesAsync(adminConnectionString, ct);
        await using (var conn = new NpgsqlConnection(adminConnectionString))
        {
            await conn.OpenAsync(ct);
            if (dropFirst)
            {
                await conn.ExecuteAsync($"DROP DATABASE IF EXISTS {SqlNames.Identifier(name)} WITH (FORCE)");
                // FORCE ended every connection to it, the tool's own pooled ones too (its start-up check's):
                // reusing one would fail with 57P01. Only the tools drop first, each in its own process.
                NpgsqlConnection.ClearAllPools();
            }
            await conn.ExecuteAsync($"CREATE DATABASE {SqlNames.Identifier(name)} OWNER {DatabaseRoles.Migrator}");
        }
        var database = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name }.ConnectionString;
        await using (var conn = new NpgsqlConnection(database))
        {
            await conn.OpenAsync(ct);
            await conn.ExecuteAsync(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "deploy", "postgres",
                "database.sql"), ct));
        }
        return database;
    }
}
