using System.Text.Json;
using ContestPipeline.Plumbing.Kafka;
using Microsoft.Extensions.Configuration;

namespace ContestPipeline.Plumbing;

/// <summary>
/// Where a process finds Postgres and Kafka. Environment first, then the embedded
/// default: the local Postgres and the local broker's state file.
/// </summary>
public sealed record PipelineSettings(string PostgresConnectionString, string KafkaBootstrapServers)
{
    public const string PostgresVariable = "CONTESTPIPELINE_PG";
    public const string KafkaVariable = "CONTESTPIPELINE_KAFKA";
    public const string BrokerFileVariable = "CONTESTPIPELINE_BROKER_FILE";
    /// <summary>Most messages a consumer applies in one transaction (tuning; results never depend on it).</summary>
    public const string ConsumerBatchVariable = "CONTESTPIPELINE_CONSUMER_BATCH_MAX";
    /// <summary>Most outbox rows the relay publishes in one batch (tuning; results never depend on it).</summary>
    public const string OutboxBatchVariable = "CONTESTPIPELINE_OUTBOX_BATCH_MAX";

    public int ConsumerBatchSizeMax { get; init; } = Limits.ConsumerBatchSizeMax;
    public int OutboxBatchSizeMax { get; init; } = Limits.OutboxBatchSizeMax;

    public const string PostgresDefault =
        "Host=127.0.0.1;Port=5432;Username=contestpipeline;Password=contestpipeline;Database=contestpipeline";

    /// <summary>The well-known file the local broker writes its bootstrap servers to.</summary>
    public static string BrokerFileDefault =>
        Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(KafkaNative.DefaultPath))!, "run", "broker.json");

    public static string BrokerFile(IConfiguration? configuration = null) =>
        Value(configuration, BrokerFileVariable) ?? BrokerFileDefault;

    public static PipelineSettings Resolve(IConfiguration? configuration = null)
    {
        var pg = Value(configuration, PostgresVariable) ?? PostgresDefault;
        var kafka = Value(configuration, KafkaVariable);
        if (kafka is null)
        {
            var file = BrokerFile(configuration);
            kafka = BrokerState.TryRead(file)?.BootstrapServers
                ?? throw new StartupException(
                    $"Kafka: no bootstrap servers: set {KafkaVariable}, or start the local broker (cpctl broker) which writes {file}");
        }
        return new PipelineSettings(pg, kafka)
        {
            ConsumerBatchSizeMax = Count(configuration, ConsumerBatchVariable, Limits.ConsumerBatchSizeMax, max: 10_000),
            OutboxBatchSizeMax = Count(configuration, OutboxBatchVariable, Limits.OutboxBatchSizeMax, max: 50_000),
        };
    }

    private static int Count(IConfiguration? configuration, string key, int fallback, int max)
    {
        var value = Value(configuration, key);
        if (value is null) return fallback;
        return int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= max
            ? n
            : throw new StartupException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{key}: '{value}' is not a whole number from 1 to {max:N0}"));
    }

    private static string? Value(IConfiguration? configuration, string key)
    {
        var value = configuration?[key] ?? Environment.GetEnvironmentVariable(key);
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }
}

/// <summary>What the local broker writes to its state file.</summary>
public sealed record BrokerState(string BootstrapServers, string ControlUrl, int ProcessId, int Brokers)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static BrokerState? TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<BrokerState>(File.ReadAllText(path), Json) : null;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Written to a temporary file and renamed, so a reader never sees half of it.</summary>
    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, Json));
        File.Move(tmp, path, overwrite: true);
    }
}

/// <summary>A start-up failure with one line naming what is wrong and where.</summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
