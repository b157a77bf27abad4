namespace ContestPipeline.Plumbing.Hosting;

/// <summary>
/// How a command-line tool (cpctl's commands, the demo, the benchmarks) starts: as a worker does,
/// one line and exit code 2 when what it needs is missing.
/// </summary>
public static class ToolStartup
{
    /// <summary>
    /// The Postgres the tool uses (<see cref="PipelineSettings.PostgresVariable"/> with its password
    /// setting, else the local default; production has no default), checked to answer; null after
    /// one line on stderr naming the setting or the server when it does not.
    /// </summary>
    public static async Task<string?> PostgresAsync(string tool)
    {
        try
        {
            var pg = PipelineSettings.ResolvePostgres(null, DeploymentEnvironments.Read(null));
            await PipelineWorker.CheckPostgresAsync(pg);
            return pg;
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync($"{tool}: {e.Message}");
            return null;
        }
    }
}
