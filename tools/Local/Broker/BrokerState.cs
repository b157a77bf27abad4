using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;

namespace ContestPipeline.Local.Broker;

/// <summary>
/// What the local broker writes to its state file, for the local tools that look for it (the topics job,
/// <c>cpdev up</c>, <c>./run cpctl</c>). Only tools read it: a deployable is always given its bootstrap
/// servers (<see cref="PipelineSettings.KafkaVariable"/>).
/// </summary>
public sealed record BrokerState(string BootstrapServers, string ControlUrl, int ProcessId, int Brokers)
{
    /// <summary>The setting naming the state file, when it is not <see cref="FileDefault"/>.</summary>
    public const string FileVariable = "CONTESTPIPELINE_BROKER_FILE";

    /// <summary>The well-known file the local broker writes its bootstrap servers to.</summary>
    public static string FileDefault => Path.Combine(PipelineSettings.LocalCacheDirectory, "run", "broker.json");

    /// <summary>The state file the settings name, or <see cref="FileDefault"/>.</summary>
    public static string FilePath() => Setting.Text(null, FileVariable) ?? FileDefault;

    public static BrokerState? TryRead(string path) => StateFile.TryRead<BrokerState>(path);

    public void Write(string path) => StateFile.Write(path, this);
}
