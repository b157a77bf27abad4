using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Canary;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Games;
using ContestPipeline.Scoring.Jobs;
using ContestPipeline.Scoring.Lifecycle;
using ContestPipeline.Scoring.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ContestPipeline.Scoring.Extensions;

/// <summary>The referee's wiring: contest timelines and game facts in, lifecycle and standings out.</summary>
public static class ScoringWorker
{
    public const string Name = "scoring";

    public static WorkerDefinition Definition { get; } = new(
        Name,
        Migration.FromAssembly(typeof(ScoringWorker).Assembly, Name),
        [
            new ConsumerDefinition(Name + ".canary", [Topics.Canary], _ => [new CanaryHandler(Name, Name)]),
            new ConsumerDefinition(Name + ".lifecycle", [Topics.ContestLifecycle], sp =>
            {
                var memory = sp.GetRequiredService<ScoringState>();
                return
                [
                    new ContestScheduledHandler(memory), new EntryAcceptedHandler(memory), new EntriesClosedHandler(memory),
                    new CancelRequestedHandler(memory),
                    // The rest of the timeline is other workers' business, or the referee's own output.
                    .. IgnoredMessage.Of(EntryRejected.MessageType, ContestStateChanged.MessageType, ContestCompleted.MessageType, ContestSettled.MessageType,
                        ContestPaid.MessageType),
                ];
            }),
            new ConsumerDefinition(Name + ".games", [Topics.Games], sp => [.. GameFactsHandler.All(sp.GetRequiredService<ScoringState>())]),
        ])
    {
        Services = (services, _) => services.AddSingleton<ScoringState>(),
        Warmup = (sp, ct) => sp.GetRequiredService<ScoringState>().LoadAsync(sp.GetRequiredService<NpgsqlDataSource>(), ct),
        Jobs = sp =>
        [
            new PublishStandingsJob(sp.GetRequiredService<ScoringState>()),
            new CompleteContestsJob(sp.GetRequiredService<ScoringState>()),
            new ReportCorrectionsJob(),
        ],
    };
}
