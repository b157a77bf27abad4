using System.CommandLine;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;
using Confluent.Kafka;
using ContestPipeline.Deployment;

namespace ContestPipeline.Cpctl.Provisioning;

/// <summary>
/// cpctl topics apply: provisions the topic list (<see cref="TopicCatalog"/>) on the Kafka
/// cluster the settings name, through its admin API. Creates what is missing, reports what
/// differs, and changes nothing on a second run. (The local broker has no CreateTopics: the
/// development tool provisions it, `cpdev topics apply`, with the same provisioner.)
/// </summary>
public static class TopicsCommand
{
    public static Command Build()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "say what would be created; create nothing" };
        var acls = new Option<bool>("--acls")
        {
            Description = "then create every service's principal " +
                "(SCRAM-SHA-512, from its password file in /run/secrets) and the ACLs cpctl acls prints",
        };
        var apply = new Command("apply",
            "create the topics of the topic list that are missing and report those that differ from it " +
            "(partitions, replication, configs); idempotent")
            { dryRun, acls };
        apply.SetAction((parse, ct) =>
            ApplyAsync(parse.GetValue(dryRun), Console.Out, Console.Error, ct, parse.GetValue(acls)));
        var list = new Command("list", "print the topic list as production provisions it");
        list.SetAction(_ => List(Console.Out));
        return new Command("topics",
            "the pipeline's topics, provisioned from one declarative list (src/Contracts/TopicCatalog.cs)")
        {
            apply, list,
        };
    }

    public static async Task<int> ApplyAsync(
        bool dryRun, TextWriter output, TextWriter error, CancellationToken ct, bool acls = false)
    {
        ITopicAdmin admin;
        PipelineSettings settings;
        try
        {
            settings = PipelineSettings.Resolve();
            KafkaClients.ProbeBroker(settings.KafkaBootstrapServers,
                TimeSpan.FromMilliseconds(Limits.StartupProbeTimeoutMs), security: settings.KafkaSecurity);
            admin = new KafkaTopicAdmin(settings.KafkaBootstrapServers, settings.KafkaSecurity);
        }
        catch (StartupException e)
        {
            await error.WriteLineAsync("topics: " + e.Message);
            return PipelineWorker.ExitStartupFailed;
        }
        var code = await TopicProvisioner.RunAsync(admin, TopicCatalog.All, dryRun, output, error, ct);
        if (code != 0 || !acls || dryRun) return code;
        return await KafkaAccess.ApplyAsync(settings.KafkaBootstrapServers, settings.KafkaSecurity,
            SecretFile.Directory, output, error, ct);
    }

    /// <summary>Prints the list as it is provisioned in production.</summary>
    public static int List(TextWriter output)
    {
        foreach (var spec in TopicCatalog.All) output.WriteLine($"{spec.Name,-24} {TopicProvisioner.Describe(spec)}");
        return 0;
    }
}
