using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// A consume loop meeting a type it has no handler for dead-letters it with an alert: right for what nobody may
/// publish there, a silent failure for a fact its producer may publish. Every type the publish-rights table lets
/// anyone put on a topic is handled, or ignored by name, by every consume loop that reads the topic.
/// </summary>
public sealed class ConsumerCoverageTests
{
    public static TheoryData<string> Workers() => [.. WorkerDefinitions.All.Keys.Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Workers))]
    public void Every_consume_loop_handles_or_ignores_every_type_that_may_be_published_on_its_topics(string name)
    {
        var worker = WorkerDefinitions.All[name];
        // Nothing is reached: the handlers are made, never run.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [PipelineSettings.KafkaVariable] = "127.0.0.1:1",
            [StripeServices.KeyVariable] = "sk_test_coverage",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddPipelineWorker(worker, PipelineSettings.Resolve(configuration), configuration);
        services.AddSingleton(MessageVerifier.NoKeys);
        using var provider = services.BuildServiceProvider();

        var missing = new List<string>();
        foreach (var consumer in worker.Consumers)
        {
            var handled = consumer.Handlers(provider).Select(h => h.MessageType).ToHashSet(StringComparer.Ordinal);
            foreach (var right in PublishRights.Pipeline.Rows.Where(r => consumer.Topics.Contains(r.Topic)))
                if (!handled.Contains(right.MessageType))
                    missing.Add(
                        $"{consumer.Consumer} reads {right.Topic}, where {string.Join(", ", right.Producers)} may "
                        + $"publish {right.MessageType}, and has no handler for it");
        }
        Assert.Empty(missing);
    }
}
