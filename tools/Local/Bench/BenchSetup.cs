using System.Diagnostics;
using System.Globalization;
using ContestPipeline.Contracts;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using Dapper;
using Npgsql;

namespace ContestPipeline.Local.Bench;

/// <summary>What every end-to-end benchmark starts with and waits by: a fresh database, a run directory, a polled
/// count.</summary>
public static class BenchSetup
{
    /// <summary>
    /// Postgres (started if need be) with a fresh <paramref name="database"/> (made as compose's
    /// postgres service makes its own; the migrate job runs once the broker is up), and a new run
    /// directory <c>bench-{name}-{time}</c> for the logs; null when Postgres cannot be had (said already).
    /// </summary>
    public static async Task<(string Pg, string RunDirectory)?> PrepareAsync(string name, string database,
        CancellationToken ct)
    {
        var adminPg = await ToolStartup.PostgresAsync("bench");
        if (adminPg is null) return null;
        var pg = await LocalPostgres.CreateDatabaseAsync(adminPg, database, dropFirst: true, ct);
        var runDir = Path.Combine(RepoPaths.RunDirectory,
            $"bench-{name}-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(runDir);
        return (pg, runDir);
    }

    /// <summary>
    /// Polls <paramref name="sql"/> (a count) every 100 ms (or <paramref name="every"/>) until <paramref name="done"/>;
    /// returns when. A table a worker has not created yet counts as not there. <paramref name="progress"/> prints the
    /// count every 5 s. A count over a large table is work for the database the bench measures: poll it seldom.
    /// </summary>
    public static async Task<DateTimeOffset> WaitAsync(string pg, string sql, Func<long, bool> done, string what,
        TimeSpan timeout, CancellationToken ct,
        bool progress = false, TimeSpan? every = null)
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
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(100), ct);
        }
        throw new TimeoutException($"timed out after {timeout.TotalMinutes} min waiting for {what}");
    }

    /// <summary>
    /// How many alerts the given workers' consumers raised for messages the broker deleted before they read them (the
    /// local broker keeps 5 MiB of a partition): a run with any has lost messages, and its figures mean nothing. Reads
    /// each outbox whole: call it once a run is over.
    /// </summary>
    public static async Task<long> DeletedUnreadAsync(string pg, IEnumerable<string> schemas, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(pg);
        await conn.OpenAsync(ct);
        var n = 0L;
        foreach (var schema in schemas)
        {
            try
            {
                n += await conn.ExecuteScalarAsync<long>(
                    $"SELECT count(*) FROM {schema}.outbox WHERE topic = @topic "
                        + $"AND position(@code in convert_from(payload, 'UTF8')) > 0",
                    new { topic = Topics.Alerts, code = InboxConsumer.OffsetResetCode });
            }
            catch (PostgresException e) when (e.SqlState is "42P01" or "3F000")
            {
                // That worker did not run.
            }
        }
        return n;
    }

    /// <summary>
    /// Waits until the instances whose logs are given share one assignment of <paramref name="consumer"/>'s group:
    /// the last thing each log says of that consumer is that it was assigned partitions, and no partition is named
    /// twice (an instance still holding an older assignment would). Read from the workers' own log lines, so a run
    /// starts its clock on a group that is not about to move its partitions.
    /// </summary>
    public static async Task WaitForAssignmentAsync(IReadOnlyList<string> logs, string consumer, TimeSpan timeout,
        CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            var held = logs.Select(log => LastAssignment(log, consumer)).ToList();
            if (held.All(h => h is { Count: > 0 })
                && held.Sum(h => h!.Count) == held.SelectMany(h => h!).Distinct().Count())
                return;
            await Task.Delay(200, ct);
        }
        throw new TimeoutException($"timed out after {timeout.TotalSeconds} s waiting for every instance's {consumer} "
            + $"to be assigned partitions");
    }

    // The partitions the log's last assignment of the consumer gave it; empty after a revoke, null before any.
    private static List<string>? LastAssignment(string log, string consumer)
    {
        if (!File.Exists(log)) return null;
        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        List<string>? last = null;
        var assigned = $"Consumer {consumer} assigned ";
        var revoked = $"Consumer {consumer} revoked ";
        while (reader.ReadLine() is { } line)
        {
            if (!line.Contains(consumer, StringComparison.Ordinal)) continue;
            string? message;
            try
            {
                message = System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("Message").GetString();
            }
            catch (System.Text.Json.JsonException)
            {
                continue; // a line still being written
            }
            if (message is null) continue;
            if (message.StartsWith(assigned, StringComparison.Ordinal))
                last = [.. message[assigned.Length..].Split(", ", StringSplitOptions.RemoveEmptyEntries)];
            else if (message.StartsWith(revoked, StringComparison.Ordinal)) last = [];
        }
        return last;
    }

    /// <summary>CPU time a process has used so far (user + system), 0 once it is gone.</summary>
    public static TimeSpan CpuTime(int pid) => StatTicks(pid, 11);

    /// <summary>
    /// CPU time used so far by the children a process has reaped (user + system), 0 once it is gone: for the
    /// postmaster, every Postgres process that exited, a parallel query's worker or an autovacuum worker among them.
    /// </summary>
    public static TimeSpan ExitedChildrenCpuTime(int pid) => StatTicks(pid, 13);

    /// <summary>The parent of a process (a backend's is the postmaster), or 0 once it is gone.</summary>
    public static int ParentOf(int pid) =>
        StatFields(pid) is { } fields ? int.Parse(fields[1], CultureInfo.InvariantCulture) : 0;

    /// <summary>
    /// Two consecutive tick counts of /proc/PID/stat from <paramref name="field"/> (0 is field 3, the state, the first
    /// after the parenthesised name), summed, in clock ticks (100 a second).
    /// </summary>
    private static TimeSpan StatTicks(int pid, int field) => StatFields(pid) is { } fields
        ? TimeSpan.FromMilliseconds(10 * (long.Parse(fields[field], CultureInfo.InvariantCulture)
            + long.Parse(fields[field + 1], CultureInfo.InvariantCulture)))
        : TimeSpan.Zero;

    /// <summary>/proc/PID/stat's fields after the parenthesised name (0 is the state), or null once it is
    /// gone.</summary>
    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException) { return null; }
    }

    /// <summary>
    /// CPU time used so far by each Postgres process serving <paramref name="database"/> (its backends, whose title
    /// names the database), by pid.
    /// </summary>
    public static Dictionary<int, TimeSpan> PostgresCpu(string database)
    {
        var found = new Dictionary<int, TimeSpan>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var title = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (title.StartsWith("postgres:", StringComparison.Ordinal)
                    && title.Contains($" {database} ", StringComparison.Ordinal))
                    found[pid] = CpuTime(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }

    /// <summary>CPU time every core of the machine has spent busy so far (all but idle and iowait).</summary>
    public static TimeSpan MachineBusyTime()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..]
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal: guest time is already counted in user.
        return TimeSpan.FromMilliseconds((cpu[..8].Sum() - cpu[3] - cpu[4]) * 10);
    }

    /// <summary>The process's peak resident set (VmHWM, kB), 0 once it is gone.</summary>
    public static long PeakRssKb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        return 0;
    }
}

/// <summary>Stops every instance of a service a benchmark started, when the bench ends.</summary>
public sealed class AsyncDisposables(List<IAsyncDisposable> items) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        foreach (var item in items) await item.DisposeAsync();
    }
}
