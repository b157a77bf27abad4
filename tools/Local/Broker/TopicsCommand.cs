using ContestPipeline.Contracts;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;

namespace ContestPipeline.Local.Broker;

/// <summary>
/// The topic list on the Kafka a local run talks to: the same provisioner as cpctl topics apply, with replication
/// capped by the cluster's brokers. The local broker has no CreateTopics, so its topics go through its control
/// endpoint (found through its state file); any real cluster (e.g. a single-broker Apache Kafka container) is
/// asked through the Kafka admin API. Which one is chosen by the caller, never guessed: a missing local broker is
/// an error, not a reason to try the other way.
/// </summary>
public static class TopicsCommand
{
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(bool adminApi, bool dryRun, CancellationToken ct)
    {
        var local = BrokerState.TryRead(BrokerState.FilePath());
        // The cluster the settings name; run by hand without one, the local broker this machine runs.
        var bootstrapServers = Setting.Text(null, PipelineSettings.KafkaVariable) ?? local?.BootstrapServers;
        if (bootstrapServers is null)
        {
            await Console.Error.WriteLineAsync($"topics: {PipelineSettings.KafkaVariable} is not set and no local " +
                $"broker runs (no state file {BrokerState.FilePath()}): start one (cpdev broker) or name the cluster");
            return PipelineWorker.ExitStartupFailed;
        }
        if (adminApi) return await ViaAdminApiAsync(bootstrapServers, dryRun, ct);
        if (local is null || local.BootstrapServers != bootstrapServers)
        {
            await Console.Error.WriteLineAsync(
                $"topics: no local broker at {bootstrapServers} (its state file " +
                $"{BrokerState.FilePath()} names {local?.BootstrapServers ?? "none"}); for any other " +
                "cluster, pass --admin-api");
            return PipelineWorker.ExitStartupFailed;
        }
        return await TopicProvisioner.RunAsync(new LocalTopicAdmin(local.BootstrapServers, local.ControlUrl),
            TopicCatalog.ForLocalBroker(local.Brokers), dryRun, Console.Out, Console.Error, ct);
    }

    private static async Task<int> ViaAdminApiAsync(string bootstrapServers, bool dryRun, CancellationToken ct)
    {
        int brokers;
        try
        {
            using var admin = KafkaClients.Admin(bootstrapServers);
            brokers = admin.GetMetadata(MetadataTimeout).Brokers.Count;
        }
        catch (Confluent.Kafka.KafkaException e)
        {
            await Console.Error.WriteLineAsync(
                $"topics: no Kafka answered at {bootstrapServers} within {MetadataTimeout.TotalSeconds:0} s: "
                    + $"{e.Message}");
            return PipelineWorker.ExitStartupFailed;
        }
        return await TopicProvisioner.RunAsync(new KafkaTopicAdmin(bootstrapServers),
            TopicCatalog.ForLocalBroker(Math.Max(1, brokers)), dryRun, Console.Out, Console.Error, ct);
    }
}
