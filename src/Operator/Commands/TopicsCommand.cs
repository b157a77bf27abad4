using ContestPipeline.Contracts;
using ContestPipeline.Local.Broker;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;
using Confluent.Kafka;

namespace ContestPipeline.Operator.Commands;

/// <summary>
/// cpctl topics apply: provisions the topic list (<see cref="TopicCatalog"/>) on the cluster the
/// settings name. Real Kafka is reached through its admin API; the local broker, which has no
/// CreateTopics, through its control endpoint. Creates what is missing, reports what differs,
/// and changes nothing on a second run.
/// </summary>
public static class TopicsCommand
{
    public const string ViaAuto = "auto";
    public const string ViaAdmin = "admin";
    public const string ViaLocal = "local";

    public static async Task<int> ApplyAsync(string via, bool dryRun, TextWriter output, TextWriter error, CancellationToken ct)
    {
        ITopicAdmin admin;
        IReadOnlyList<TopicSpec> specs;
        string bootstrap;
        try
        {
            var settings = PipelineSettings.Resolve();
            bootstrap = settings.KafkaBootstrapServers;
            var local = BrokerState.TryRead(PipelineSettings.BrokerFile());
            var useLocal = via switch
            {
                ViaLocal => true,
                ViaAdmin => false,
                ViaAuto => local is not null && local.BootstrapServers == bootstrap,
                _ => throw new StartupException($"--via: '{via}' is not one of auto, admin, local"),
            };
            if (useLocal && (local is null || local.BootstrapServers != bootstrap))
                throw new StartupException($"--via local: no local broker at {bootstrap} (its state file {PipelineSettings.BrokerFile()} names {local?.BootstrapServers ?? "none"})");
            KafkaClients.ProbeBroker(bootstrap, TimeSpan.FromMilliseconds(Limits.StartupProbeTimeoutMs), security: settings.KafkaSecurity);
            (admin, specs) = useLocal
                ? (new LocalTopicAdmin(bootstrap, local!.ControlUrl), TopicCatalog.ForLocalBroker(local.Brokers))
                : ((ITopicAdmin)new KafkaTopicAdmin(bootstrap, settings.KafkaSecurity), TopicCatalog.All);
        }
        catch (StartupException e)
        {
            await error.WriteLineAsync("topics: " + e.Message);
            return PipelineWorker.ExitStartupFailed;
        }
        try
        {
            var report = await TopicProvisioner.ApplyAsync(admin, specs, dryRun, ct);
            foreach (var line in report.Lines) await output.WriteLineAsync(line);
            return 0;
        }
        catch (Exception e) when (e is KafkaException or InvalidOperationException or HttpRequestException)
        {
            await error.WriteLineAsync($"topics: could not apply the topic list at {bootstrap}: {e.Message}");
            return 1;
        }
    }

    /// <summary>Prints the list as it is provisioned in production.</summary>
    public static int List(TextWriter output)
    {
        foreach (var spec in TopicCatalog.All) output.WriteLine($"{spec.Name,-24} {TopicProvisioner.Describe(spec)}");
        return 0;
    }
}
