using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace ContestPipeline.Local.Campaign;

/// <summary>
/// The PostgreSQL cluster the campaign's connection string points at (found by its port among
/// <c>pg_lsclusters</c>), stopped, started and restarted with <c>pg_ctlcluster</c>: only that
/// cluster, so a campaign pointed at a private one never touches a cluster others share.
/// </summary>
public sealed class PostgresCluster(string connectionString)
{
    private string? _cluster;

    public Task RestartAsync() => CtlAsync("restart");

    /// <summary>Stops it the way a restart does: every session ended at once (57P01), new ones refused.</summary>
    public Task StopAsync() => CtlAsync("stop -m fast");

    public Task StartAsync() => CtlAsync("start");

    private async Task CtlAsync(string action)
    {
        _cluster ??= await FindAsync();
        await ShellAsync($"pg_ctlcluster {_cluster} {action}");
    }

    /// <summary>"version name" of the cluster listening on the connection string's port.</summary>
    private async Task<string> FindAsync()
    {
        var port = new NpgsqlConnectionStringBuilder(connectionString).Port.ToString(CultureInfo.InvariantCulture);
        var cluster = (await ShellAsync($"pg_lsclusters --no-header | awk '$3 == {port} {{print $1\" \"$2}}'")).Trim();
        if (cluster.Length == 0 || cluster.Contains('\n', StringComparison.Ordinal))
            throw new InvalidOperationException($"no single PostgreSQL cluster listens on port {port} (pg_lsclusters)");
        return cluster;
    }

    private static async Task<string> ShellAsync(string command)
    {
        var start = new ProcessStartInfo("bash", ["-c", command])
            { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"'{command}' failed: {await process.StandardError.ReadToEndAsync()}");
        return output;
    }
}
