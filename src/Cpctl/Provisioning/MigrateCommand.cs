using System.CommandLine;
using ContestPipeline.Deployment;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ContestPipeline.Cpctl.Provisioning;

/// <summary>
/// cpctl migrate: applies a worker's migrations (or all workers') ahead of a deploy, as the
/// migrator role (CONTESTPIPELINE_PG), and grants each worker's role its own schema. In
/// production the workers only check that this has been done; both take the same advisory lock.
/// </summary>
public static class MigrateCommand
{
    public static Command Build()
    {
        var worker = new Option<string>("--worker")
        {
            Description = "worker whose migrations to apply, or all", DefaultValueFactory = _ => "all",
        };
        var schema = new Option<string?>("--schema")
        {
            Description = "apply into this schema instead of the worker's own (single worker only)",
        };
        var migrate = new Command("migrate",
            "apply workers' database migrations (idempotent; safe to run concurrently)")
        {
            worker, schema,
        };
        migrate.SetAction((parse, ct) => RunAsync(parse.GetValue(worker)!, parse.GetValue(schema), ct));
        return migrate;
    }

    public static async Task<int> RunAsync(string worker, string? schema, CancellationToken ct)
    {
        var pg = await ToolStartup.PostgresAsync("migrate");
        if (pg is null) return PipelineWorker.ExitStartupFailed;
        var targets = worker == "all" ? Workers.All.Values.ToList()
            : Workers.All.TryGetValue(worker, out var w) ? [w]
            : null;
        if (targets is null)
        {
            await Console.Error.WriteLineAsync(
                $"migrate: unknown worker '{worker}' (one of: all, {string.Join(", ", Workers.All.Keys)})");
            return 1;
        }
        if (schema is not null && targets.Count != 1)
        {
            await Console.Error.WriteLineAsync("migrate: --schema needs a single --worker");
            return 1;
        }
        await using var dataSource = NpgsqlDataSource.Create(pg);
        foreach (var target in targets)
        {
            var name = schema ?? target.Name;
            var applied = await new Migrator(dataSource, name, target.AllMigrations, NullLogger.Instance, target.Grants)
                .ApplyAsync(ct);
            Console.WriteLine(
                $"{name}: {applied} migration(s) applied, {target.AllMigrations.Count - applied} already present");
        }
        return 0;
    }
}
