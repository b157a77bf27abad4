using ContestPipeline.Contracts;
using ContestPipeline.Local.Broker;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Stripe;
using ContestPipeline.Tests.Infrastructure;

namespace ContestPipeline.Tests.Operator;

/// <summary>
/// Topics are provisioned from the topic list by cpctl topics apply (here through the local
/// broker's control endpoint, which stands in for Kafka's CreateTopics), never auto-created,
/// and a worker refuses to start without its topics.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class TopicsTests(PipelineFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Topics_apply_creates_every_listed_topic_then_a_second_run_changes_nothing()
    {
        await using var broker = await EmptyBrokerAsync("apply");
        var first = await ApplyAsync(broker, "first");
        Assert.Equal(0, first.ExitCode);
        var expected = TopicCatalog.ForLocalBroker(broker.State.Brokers);
        Assert.Equal(expected.Count, first.Lines.Count(l => l.StartsWith("created", StringComparison.Ordinal)));
        Assert.Contains(first.Lines,
            l => l.StartsWith($"{expected.Count} created, 0 as listed, 0 differing", StringComparison.Ordinal));

        using (var admin = KafkaClients.Admin(broker.BootstrapServers))
        {
            var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
            foreach (var spec in expected)
            {
                var topic = Assert.Single(metadata.Topics, t => t.Topic == spec.Name);
                Assert.Equal(spec.Partitions, topic.Partitions.Count);
                Assert.All(topic.Partitions, p => Assert.Equal(spec.ReplicationFactor, p.Replicas.Length));
            }
        }

        var second = await ApplyAsync(broker, "second");
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(expected.Count, second.Lines.Count(l => l.StartsWith("ok", StringComparison.Ordinal)));
        Assert.Contains(second.Lines,
            l => l.StartsWith($"0 created, {expected.Count} as listed, 0 differing", StringComparison.Ordinal));
        // Said once, not hidden: the local broker has no DescribeConfigs.
        Assert.Contains(second.Lines,
            l => l.StartsWith("note: the local broker cannot report topic configs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Topics_apply_reports_a_topic_that_differs_from_the_list_and_leaves_it_as_it_is()
    {
        await using var broker = await EmptyBrokerAsync("differs");
        await broker.Control.CreateTopicAsync(Topics.Entries, 2, 1);

        var run = await ApplyAsync(broker, "differs");

        Assert.Equal(0, run.ExitCode);
        var spec = TopicCatalog.ForLocalBroker(broker.State.Brokers).Single(t => t.Name == Topics.Entries);
        Assert.Contains($"differs      {Topics.Entries}: partitions 2, the list says {spec.Partitions}; " +
            $"replication 1, the list says {spec.ReplicationFactor}", run.Lines);
        Assert.Contains(run.Lines,
            l => l.EndsWith("1 differing (reported, not changed: see docs/operations.md)", StringComparison.Ordinal)
            && l.StartsWith($"{TopicCatalog.All.Count - 1} created", StringComparison.Ordinal));
        using var admin = KafkaClients.Admin(broker.BootstrapServers);
        Assert.Equal(2, admin.GetMetadata(Topics.Entries, TimeSpan.FromSeconds(10)).Topics[0].Partitions.Count);
    }

    [Fact]
    public async Task Worker_refuses_to_start_when_a_topic_it_needs_is_missing()
    {
        await using var broker = await EmptyBrokerAsync("worker");
        // Everything but the dead-letter topic of one of its inputs.
        foreach (var spec in TopicCatalog.ForLocalBroker(broker.State.Brokers)
            .Where(t => t.Name != Topics.DeadLetter(Topics.Entries)))
            await broker.Control.CreateTopicAsync(spec.Name, spec.Partitions, spec.ReplicationFactor);
        var lines = new List<string>();
        await using var worker = ChildProcess.StartDotnet("ingestion", RepoPaths.DeployableDll("ingestion"), [],
            new Dictionary<string, string?>
            {
                [PipelineSettings.PostgresVariable] = fixture.PostgresConnectionString,
                [PipelineSettings.KafkaVariable] = broker.BootstrapServers,
                [StripeServices.KeyVariable] = "sk_test_unused",
            },
            Path.Combine(fixture.WorkDirectory, $"topics-missing-{Guid.NewGuid():N}.log"),
            line => { lock (lines) lines.Add(line); });
        await worker.WaitForExitAsync(new CancellationTokenSource(Patience).Token);
        await Task.Delay(200);

        Assert.Equal(PipelineWorker.ExitStartupFailed, worker.ExitCode);
        Assert.Equal(
            $"ingestion: Kafka topics missing at {broker.BootstrapServers}: {Topics.DeadLetter(Topics.Entries)}; " +
            "topics are provisioned from the topic list: run cpctl topics apply",
            Assert.Single(lines, l => l.Length > 0));
    }

    [Fact]
    public void Every_topic_the_pipeline_names_is_in_the_list_with_replication_3_and_two_in_sync()
    {
        Assert.Equal(Topics.All.Order(StringComparer.Ordinal),
            TopicCatalog.All.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.All(TopicCatalog.All, t =>
        {
            Assert.Equal(3, t.ReplicationFactor);
            Assert.Equal(2, t.MinInsyncReplicas);
            Assert.Equal("false", t.Configs["unclean.leader.election.enable"]);
        });
        Assert.All(TopicCatalog.All.Where(t => t.Name.EndsWith(Topics.DeadLetterSuffix, StringComparison.Ordinal)),
            t => Assert.Equal(TopicCatalog.DeadLetterRetentionMs, t.RetentionMs));
        foreach (var longKept in new[] { Topics.StripeEvents, Topics.PayoutsDue, Topics.PayoutsStatus })
            Assert.True(TopicCatalog.For(longKept).RetentionMs >= 30 * TopicCatalog.DayMs, longKept);
    }

    [Fact]
    public async Task
        The_topics_job_provisions_the_local_broker_through_its_endpoint_and_any_other_cluster_through_the_admin_API()
    {
        await using var broker = await EmptyBrokerAsync("job");
        await using var stripe = await ContestPipeline.StripeEmulation.StripeEmulator.StartAsync();
        var run = Path.Combine(fixture.WorkDirectory, $"topics-job-{Guid.NewGuid():N}");
        var local = LocalSwaps.For(run, broker, fixture.PostgresConnectionString, stripe);
        // The same cluster named only by its bootstrap servers, as a Kafka container is: no control endpoint is used.
        var cluster = LocalSwaps.For(run, broker.BootstrapServers, null, fixture.PostgresConnectionString, stripe);

        // The local broker has no CreateTopics nor DescribeConfigs, so the admin API's refusal shows which way was
        // taken.
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => LocalServices.RunJobAsync(
            ContestPipeline.Deployment.Services.Topics, cluster, Path.Combine(run, "topics-admin-api.log")));
        Assert.Contains($"via the Kafka admin API at {broker.BootstrapServers}", refused.Message);
        using (var admin = KafkaClients.Admin(broker.BootstrapServers))
            Assert.DoesNotContain(admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics, t => t.Topic == Topics.Entries);

        await LocalServices.RunJobAsync(ContestPipeline.Deployment.Services.Topics, local,
            Path.Combine(run, "topics-local.log"));
        using (var admin = KafkaClients.Admin(broker.BootstrapServers))
            Assert.Contains(admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics, t => t.Topic == Topics.Entries);
    }

    private async Task<LocalBrokerProcess> EmptyBrokerAsync(string name)
    {
        var id = $"topics-{name}-{Guid.NewGuid():N}";
        return await LocalBrokerProcess.StartAsync(Path.Combine(fixture.WorkDirectory, id + ".json"),
            Path.Combine(fixture.WorkDirectory, id + ".log"), empty: true);
    }

    private async Task<(int ExitCode, List<string> Lines)> ApplyAsync(LocalBrokerProcess broker, string name)
    {
        var lines = new List<string>();
        await using var cpctl = ChildProcess.StartDotnet("topics", RepoPaths.CpdevDll, ["topics", "apply"],
            new Dictionary<string, string?>
            {
                [PipelineSettings.KafkaVariable] = broker.BootstrapServers,
                [BrokerState.FileVariable] = Path.Combine(Path.GetDirectoryName(broker.Process.LogPath)!,
                    Path.GetFileNameWithoutExtension(broker.Process.LogPath) + ".json"),
            },
            Path.Combine(fixture.WorkDirectory, $"topics-apply-{name}-{Guid.NewGuid():N}.log"),
            line => { lock (lines) lines.Add(line); });
        await cpctl.WaitForExitAsync(new CancellationTokenSource(Patience).Token);
        await Task.Delay(200);
        lock (lines) return (cpctl.ExitCode, [.. lines]);
    }
}
