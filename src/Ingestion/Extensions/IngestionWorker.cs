using ContestPipeline.Contracts;
using ContestPipeline.Ingestion.Contests;
using ContestPipeline.Ingestion.Domain;
using ContestPipeline.Ingestion.Entries;
using ContestPipeline.Ingestion.Feed;
using ContestPipeline.Plumbing.Canary;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Stripe;
using Microsoft.Extensions.DependencyInjection;

namespace ContestPipeline.Ingestion.Extensions;

/// <summary>The intake edge's wiring: contests, entries and the provider feed in; accepted facts out.</summary>
public static class IngestionWorker
{
    public const string Name = "ingestion";

    public static WorkerDefinition Definition { get; } = new(
        Name,
        Migration.FromAssembly(typeof(IngestionWorker).Assembly, Name),
        [
            new ConsumerDefinition(Name + ".canary", [Topics.Canary], _ => [new CanaryHandler(Name, Name)]),
            new ConsumerDefinition(Name + ".contests", [Topics.Contests], _ => [new ContestDefinedHandler(), new ContestCancelRequestedHandler()]),
            new ConsumerDefinition(Name + ".entries", [Topics.Entries], sp => [new EntrySubmittedHandler(sp.GetRequiredService<IStripeClient>())]),
            new ConsumerDefinition(FeedProcessor.Consumer, [Topics.ProviderFeed], sp => [.. FeedHandler.All(sp.GetRequiredService<FeedProcessor>())]),
        ])
    {
        Services = (services, _) =>
        {
            services.AddStripeClient();
            services.AddSingleton(new FeedProcessor(new FeedSequencer()));
        },
        Jobs = sp => [new CloseEntriesJob(), new ParkedContestsJob(), new ExpireFeedGapsJob(sp.GetRequiredService<FeedProcessor>())],
    };
}
