using ContestPipeline.Contracts;
using ContestPipeline.Deployment;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Ingestion.Contests;
using ContestPipeline.Ingestion.Entries;
using ContestPipeline.Ingestion.Players;
using ContestPipeline.Ingestion.Feed;
using ContestPipeline.Ingestion.Payments;
using ContestPipeline.Plumbing.Canary;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing;
using ContestPipeline.Stripe;
using Microsoft.Extensions.DependencyInjection;
using ContestPipeline.Rules.Feed;

namespace ContestPipeline.Ingestion;

/// <summary>Ingestion's wiring: contests, entries and the provider feed in; accepted facts out.</summary>
public static class IngestionWorker
{
    public const string Name = "ingestion";

    public static WorkerShape Shape => Workers.Ingestion;

    public static WorkerDefinition Definition { get; } = new(
        Shape,
        [
            new ConsumerDefinition(Shape.Group("canary"), _ => [new CanaryHandler(Name, Name)]),
            new ConsumerDefinition(Shape.Group("contests"), sp =>
                [
                    new ContestDefinedHandler(),
                    new ContestCancelRequestedHandler(sp.GetRequiredService<IngestionOptions>()),
                    new PlayerLimitsSetHandler(),
                ]),
            new ConsumerDefinition(Shape.Group("entries"), sp =>
                [new EntrySubmittedHandler(sp.GetRequiredService<IngestionOptions>())]),
            new ConsumerDefinition(Shape.Group("stripe"), sp =>
                [new StripeEventReceivedHandler(sp.GetRequiredService<PipelineSettings>().Environment)]),
            new ConsumerDefinition(Shape.Group("feed"), sp =>
            {
                var feed = sp.GetRequiredService<FeedStore>();
                return
                [
                    new ProviderFeedHandler<GameScheduled>(feed), new ProviderFeedHandler<GamePostponed>(feed),
                    new ProviderFeedHandler<GameStarted>(feed),
                    new ProviderFeedHandler<StatUpdated>(feed), new ProviderFeedHandler<StatCorrected>(feed),
                    new ProviderFeedHandler<GameSuspended>(feed),
                    new ProviderFeedHandler<GameResumed>(feed), new ProviderFeedHandler<GameEnded>(feed),
                    new ProviderFeedHandler<GameCancelled>(feed),
                ];
            }),
        ])
    {
        Services = (services, _) =>
        {
            services.AddStripeClient(IngestionOptions.StripeRequestsPerSecondDefault);
            services.AddSettings(IngestionOptions.Read);
            services.AddSingleton(new FeedStore(new FeedSequencer()));
            services.AddSingleton<EntriesWatermark>();
            services.AddSingleton<PaymentReader>();
            services.AddSingleton<LookUpPaymentsJob>();
            services.AddSingleton<VerifyPaymentsJob>();
            services.AddSingleton<DecideEntriesJob>();
            services.AddSingleton<ReconcilePaymentsJob>();
        },
        Jobs = sp =>
        [
            sp.GetRequiredService<DecideEntriesJob>(), sp.GetRequiredService<LookUpPaymentsJob>(),
            sp.GetRequiredService<VerifyPaymentsJob>(),
            new CloseEntriesJob(sp.GetRequiredService<IngestionOptions>(),
                sp.GetRequiredService<EntriesWatermark>().ReadToAsync),
            new DecideParkedContestsJob(), new ExpireFeedGapsJob(sp.GetRequiredService<FeedStore>()),
            sp.GetRequiredService<ReconcilePaymentsJob>(),
            new ApplyLimitRequestsJob(sp.GetRequiredService<IngestionOptions>()),
        ],
    };
}
