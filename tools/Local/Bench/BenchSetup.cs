using System.Diagnostics;
using System.Globalization;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Hosting;
using Dapper;
using Npgsql;

namespace ContestPipeline.Local.Bench;

/// <summary>What every end-to-end benchmark starts with and waits by: a fresh database, a run directory, a polled count.</summary>
public static class BenchSetup
{
    /// <summary>
    /// Postgres (started if need be) with a fresh <paramref name="database"/> (made as compose's
    /// postgres service makes its own; the migrate job runs once the broker is up), and a new run
    /// directory <c>bench-{name}-{time}</c> for the logs; null when Postgres cannot be had (said already).
    /// </summary>
    public static async Task<(string Pg, string RunDirectory)?> PrepareAsync(string name, string database, CancellationToken ct)
    {
        var adminPg = await ToolStartup.PostgresAsync("bench");
        if (adminPg is null) return null;
        var pg = await LocalPostgres.CreateDatabaseAsync(adminPg, database, dropFirst: true, ct);
        var runDir = Path.Combine(RepoPaths.RunDirectory, $"bench-{name}-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(runDir);
        return (pg, runDir);
    }

    /// <summary>
    /// Polls <paramref name="sql"/> (a count) every 100 ms until <paramref name="done"/>; returns when.
    /// A table a worker has not created yet counts as not there. <paramref name="progress"/> prints the count every 5 s.
    /// </summary>
    public static async Task<DateTimeOffset> WaitAsync(string pg, string sql, Func<long, bool> done, string what, TimeSpan timeout, CancellationToken ct,
        bool progress = false)
    {
        await using var conn = new NpgsqlConnection(pg);
        await conn.OpenAsync(ct);
        var watch = Stopwatch.StartNew();
        var lastPrint = TimeSpan.Zero;
        while (watch.Elapsed < timeout)
        {
            long n;
            try
            {
                n = await conn.ExecuteScalarAsync<long>(sql);
            }
            catch (PostgresException e) when (e.SqlState is "42P01" or "3F000")
            {
                n = -1; // the worker has not created its tables yet
            }
            if (n >= 0 && done(n)) return DateTimeOffset.UtcNow;
            if (progress && watch.Elapsed - lastPrint > TimeSpan.FromSeconds(5))
            {
                lastPrint = watch.Elapsed;
                Console.WriteLine($"  waiting for {what}: {n:N0} so far");
            }
            await Task.Delay(100, ct);
        }
        throw new TimeoutException($"timed out after {timeout.TotalMinutes} min waiting for {what}");
    }
}
