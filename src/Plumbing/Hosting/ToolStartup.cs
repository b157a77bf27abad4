namespace ContestPipeline.Plumbing.Hosting;

/// <summary>How a command-line tool (cpctl's commands, the demo, the benchmarks) starts: as a worker does, one line and exit code 2 when what it needs is missing.</summary>
public static class ToolStartup
{
    /// <summary>
    /// The Postgres the tool uses (<see cref="PipelineSettings.PostgresVariable"/>, else the local
    /// default), checked to answer; null after one line on stderr naming the server when it does not.
    /// </summary>
    public static async Task<string?> PostgresAsync(string tool)
    {
        try
        {
            var pg = Setting.Text(null, PipelineSettings.PostgresVariable) ?? PipelineSettings.PostgresDefault;
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
