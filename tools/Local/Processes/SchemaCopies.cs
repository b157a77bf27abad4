using System.Diagnostics;
using ContestPipeline.Deployment;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Database;
using Dapper;
using Npgsql;

namespace ContestPipeline.Local.Processes;

/// <summary>
/// A worker's schema copied and put back as docs/operations.md's restore runbook does it (steps 2 and the copy
/// before them): <c>pg_dump --schema=S --format=custom</c>, then <c>DROP SCHEMA S CASCADE</c> and <c>pg_restore</c>,
/// each as the migrator, who owns the schemas, with the machine's PostgreSQL client tools.
/// </summary>
public static class SchemaCopies
{
    /// <summary>The migrator's connection to the database of <paramref name="connectionString"/>.</summary>
    public static string MigratorConnection(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString)
        {
            Username = DatabaseRoles.Migrator, Password = PipelineSettings.DevelopmentPassword,
        }.ConnectionString;

    /// <summary>
    /// Copies <paramref name="schema"/> into <paramref name="file"/>; returns the copy's time, the database's clock
    /// just before <c>pg_dump</c> began (what <c>cpctl restore record --copy-taken-at</c> is given).
    /// </summary>
    public static async Task<DateTimeOffset> CopyAsync(string migratorConnection, string schema, string file,
        CancellationToken ct = default)
    {
        DateTime now;
        await using (var conn = new NpgsqlConnection(migratorConnection))
        {
            await conn.OpenAsync(ct);
            now = await conn.ExecuteScalarAsync<DateTime>("SELECT now()");
        }
        await RunAsync(migratorConnection, "pg_dump", ["--schema=" + schema, "--format=custom", "--file=" + file], ct);
        return new DateTimeOffset(DateTime.SpecifyKind(now, DateTimeKind.Utc));
    }

    /// <summary>Drops <paramref name="schema"/> and puts the copy in <paramref name="file"/> in its place.</summary>
    public static async Task RestoreAsync(string migratorConnection, string schema, string file,
        CancellationToken ct = default)
    {
        await using (var conn = new NpgsqlConnection(migratorConnection))
        {
            await conn.OpenAsync(ct);
            await conn.ExecuteAsync($"DROP SCHEMA IF EXISTS {SqlNames.Identifier(schema)} CASCADE");
        }
        await RunAsync(migratorConnection, "pg_restore",
            ["--dbname=" + new NpgsqlConnectionStringBuilder(migratorConnection).Database, file], ct);
    }

    /// <summary>pg_dump or pg_restore as the migrator; a failure throws with the tool's own error.</summary>
    private static async Task RunAsync(string migratorConnection, string tool, string[] args, CancellationToken ct)
    {
        var pg = new NpgsqlConnectionStringBuilder(migratorConnection);
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        string[] connection = ["--host=" + pg.Host, "--port=" + pg.Port, "--username=" + pg.Username, "--no-password"];
        foreach (var a in connection.Concat(tool == "pg_dump" ? ["--dbname=" + pg.Database] : []).Concat(args))
            start.ArgumentList.Add(a);
        start.Environment["PGPASSWORD"] = pg.Password;
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"{tool} could not be started (is PostgreSQL's client installed?)");
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} exited {process.ExitCode}: {(await stderr).Trim()}");
    }
}
