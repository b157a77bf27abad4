using System.Text.RegularExpressions;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.StripeEmulation;
using Dapper;
using Npgsql;

namespace ContestPipeline.Tests.Infrastructure;

/// <summary>
/// What the migrate job makes of an empty database, made once per test process and copied for each deployment a test
/// starts: the first isolated database is migrated by the real migrate job (a process, as compose runs it), kept as a
/// template, and every later one is <c>CREATE DATABASE ... TEMPLATE</c> of it — the same schemas, tables, grants and
/// migration records, without a process and every worker's migrations each time — with the database's own
/// privileges set as on any new database (deploy/postgres/database.sql), since a template does not pass them on.
/// Templates of test processes that no longer run are dropped when the next one is made.
/// </summary>
public static partial class MigratedTemplate
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _template;

    private static string Name => $"contestpipeline_template_{Environment.ProcessId}";

    /// <summary>A new database <paramref name="name"/>, migrated; its connection string.</summary>
    public static async Task<string> CreateAsync(string adminConnectionString, string name, string workDirectory)
    {
        var template = await TemplateAsync(adminConnectionString, workDirectory);
        await using (var conn = new NpgsqlConnection(adminConnectionString))
        {
            await conn.OpenAsync();
            await conn.ExecuteAsync($"CREATE DATABASE {SqlNames.Identifier(name)} TEMPLATE " +
                $"{SqlNames.Identifier(template)} OWNER {DatabaseRoles.Migrator}");
        }
        var database = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name }.ConnectionString;
        // A database's own privileges are not copied from its template: they are set as on any new database.
        await using (var conn = new NpgsqlConnection(database))
        {
            await conn.OpenAsync();
            await conn.ExecuteAsync(await File.ReadAllTextAsync(
                Path.Combine(RepoPaths.Root, "deploy", "postgres", "database.sql")));
        }
        return database;
    }

    private static async Task<string> TemplateAsync(string adminConnectionString, string workDirectory)
    {
        await Gate.WaitAsync();
        try
        {
            if (_template is not null) return _template;
            await DropStaleAsync(adminConnectionString);
            var connectionString =
                await LocalPostgres.CreateDatabaseAsync(adminConnectionString, Name, dropFirst: true);
            var work = Path.Combine(workDirectory, "template");
            Directory.CreateDirectory(work);
            await using (var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions()))
                await LocalServices.MigrateAsync(LocalSwaps.For(work, "127.0.0.1:1", null, connectionString, stripe));
            // Nobody may be connected to a template while it is copied: this process's pooled connection goes.
            NpgsqlConnection.ClearPool(new NpgsqlConnection(connectionString));
            return _template = Name;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task DropStaleAsync(string adminConnectionString)
    {
        await using var conn = new NpgsqlConnection(adminConnectionString);
        await conn.OpenAsync();
        foreach (var name in await conn.QueryAsync<string>(
                     "SELECT datname FROM pg_database WHERE datname LIKE 'contestpipeline_template_%'"))
            if (Pid().Match(name) is { Success: true } m && !Directory.Exists($"/proc/{m.Groups[1].Value}"))
                await conn.ExecuteAsync($"DROP DATABASE IF EXISTS {SqlNames.Identifier(name)} WITH (FORCE)");
    }

    [GeneratedRegex("^contestpipeline_template_([0-9]+)$")]
    private static partial Regex Pid();
}
