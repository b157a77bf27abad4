using ContestPipeline.Local.Broker;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing;

namespace ContestPipeline.Local.Processes;

/// <summary>Runs `cpdev broker` as a child process and waits until it has written its state file.</summary>
public sealed class LocalBrokerProcess : IAsyncDisposable
{
    public required ChildProcess Process { get; init; }
    public required BrokerState State { get; init; }
    public required BrokerControlClient Control { get; init; }

    /// <summary>Where it wrote its bootstrap servers and control endpoint.</summary>
    public required string StateFile { get; init; }

    public string BootstrapServers => State.BootstrapServers;

    /// <summary>Starts the broker with every topic of the topic list, or with none
    /// (<paramref name="empty"/>).</summary>
    public static async Task<LocalBrokerProcess> StartAsync(string stateFile, string logPath, int brokers = 3,
        TimeSpan? timeout = null, bool empty = false)
    {
        if (File.Exists(stateFile)) File.Delete(stateFile);
        var process = ChildProcess.StartDotnet("broker", RepoPaths.CpdevDll,
            ["broker", "--brokers", brokers.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--state-file", stateFile, .. empty ? new[] { "--empty" } : []],
            new Dictionary<string, string?>(), logPath);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"local broker exited with code {process.ExitCode}; see {logPath}");
            var state = BrokerState.TryRead(stateFile);
            if (state is not null && state.ProcessId == process.Id)
                return new LocalBrokerProcess { Process = process, State = state,
                    Control = new BrokerControlClient(state.ControlUrl), StateFile = stateFile };
            await Task.Delay(50);
        }
        await process.KillAsync();
        throw new TimeoutException($"local broker did not start within the timeout; see {logPath}");
    }

    public async ValueTask DisposeAsync()
    {
        Control.Dispose();
        await Process.DisposeAsync();
    }
}
