using System.Collections.Concurrent;
using ContestPipeline.Local.Broker;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Npgsql;

namespace ContestPipeline.Tests.Deployment;

/// <summary>
/// Stopping is uniform: what a container runtime or systemd sends, SIGTERM, stops the whole
/// stack `./run up` started as Ctrl-C does: every process it started stops, and it exits 0.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class StoppingTests(PipelineFixture fixture)
{
    [Fact]
    public async Task Up_stops_every_process_it_started_on_SIGTERM_and_exits_0()
    {
        var database = "contestpipeline_up_" + Guid.NewGuid().ToString("N")[..8];
        var work = Path.Combine(fixture.WorkDirectory, database);
        Directory.CreateDirectory(work);
        // The pipeline's database, as build/postgres.sh makes it for ./run; up makes it afresh.
        await LocalPostgres.CreateDatabaseAsync(fixture.AdminConnectionString, database);
        var lines = new ConcurrentQueue<string>();
        var pg = new NpgsqlConnectionStringBuilder(fixture.AdminConnectionString)
            { Database = database }.ConnectionString;
        var up = ChildProcess.StartDotnet("up", RepoPaths.CpdevDll, ["up", "--console-port", "0"],
            new Dictionary<string, string?>
        {
            [PipelineSettings.PostgresVariable] = pg,
            [BrokerState.FileVariable] = Path.Combine(work, "broker.json"),
        }, Path.Combine(work, "up.log"), lines.Enqueue);
        try
        {
            await Eventually.UntilAsync(() => Task.FromResult(up.HasExited || lines.Any(l =>
                l.Contains("ContestPipeline is up", StringComparison.Ordinal))),
                "./run up to say it is up", TimeSpan.FromMinutes(5));
            Assert.False(up.HasExited, "up exited: " + string.Join('\n', lines));
            var started = ChildrenOf(up.Id);
            // The broker, the migrate job's end aside, the webhook receiver, five workers and the console.
            Assert.True(started.Count >= 8, $"up runs {started.Count} processes: {string.Join(", ", started)}");

            await up.StopAsync(TimeSpan.FromSeconds(120));

            Assert.Equal(0, up.ExitCode);
            Assert.DoesNotContain(started, p => Directory.Exists($"/proc/{p}"));
            Assert.Contains(lines, l => l.Contains("stopping", StringComparison.Ordinal));
        }
        finally
        {
            await up.DisposeAsync();
            await fixture.DropDatabaseAsync(database);
        }
    }

    /// <summary>The processes whose parent is <paramref name="parent"/> now (Linux's /proc).</summary>
    private static List<int> ChildrenOf(int parent)
    {
        var children = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1],
                    System.Globalization.CultureInfo.InvariantCulture) == parent) children.Add(pid);
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
        }
        return children;
    }
}
