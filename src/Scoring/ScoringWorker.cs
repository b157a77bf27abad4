using ContestPipeline.Contracts;
using ContestPipeline.Deployment;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Canary;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Boards;
using ContestPipeline.Scoring.Contests;
using ContestPipeline.Scoring.Corrections;
using ContestPipeline.Scoring.Games;
using ContestPipeline.Scoring.Stats;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ContestPipeline.Scoring;

/// <summary>
/// The referee's wiring: contest timelines and game facts in, lifecycle and standings out.
/// Handlers record facts (and keep the in-memory boards); the referee job makes every
/// transition; live standings and correction reports are published by their own jobs. With
/// several instances, each keeps the boards of the contests on its partitions of
/// <c>contest.lifecycle</c> (<see cref="BoardPartitions"/>) and reads the other instances'
/// game facts and transitions back from the database (<see cref="SyncBoardsJob"/>).
/// </summary>
public static class ScoringWorker
{
    public const string Name = "scoring";

    public static WorkerShape Shape => Workers.Scoring;

    public static WorkerDefinition Definition { get; } = new(
        Shape,
        [
            new ConsumerDefinition(Shape.Group("canary"), _ => [new CanaryHandler(Name, Name)]),
            new ConsumerDefinition(Shape.Group("lifecycle"), sp =>
            {
                var boards = sp.GetRequiredService<LiveBoards>();
                return
                [
                    new ContestScheduledHandler(boards, sp.GetRequiredService<MessageVerifier>()),
                    new EntryAcceptedHandler(boards), new EntriesClosedHandler(),
                    new ContestCancelRequestedHandler(),
                    // The rest of the timeline is other workers' business, or the referee's own output.
                    IgnoredMessageHandler.Of<EntryRejected>(), IgnoredMessageHandler.Of<ContestStateChanged>(),
                    IgnoredMessageHandler.Of<ContestCompleted>(),
                    IgnoredMessageHandler.Of<ContestSettled>(), IgnoredMessageHandler.Of<ContestPaid>(),
                    IgnoredMessageHandler.Of<MakeGoodsAssessed>(), IgnoredMessageHandler.Of<MakeGoodBooked>(),
                ];
            })
            {
                // Boards are kept by the owner of their contest's partition (see LiveBoards).
                PartitionOwner = sp => sp.GetRequiredService<BoardPartitions>(),
            },
            new ConsumerDefinition(Shape.Group("games"), sp =>
            {
                var boards = sp.GetRequiredService<LiveBoards>();
                return
                [
                    new GameScheduledHandler(), new GamePhaseHandler<GamePostponed>(),
                    new GamePhaseHandler<GameStarted>(), new StatUpdatedHandler(boards),
                    new GamePhaseHandler<GameSuspended>(), new GamePhaseHandler<GameResumed>(),
                    new StatCorrectedHandler(boards),
                    new GamePhaseHandler<GameEnded>(), new GamePhaseHandler<GameCancelled>(),
                ];
            })
            {
                // Told of the game partitions it is given (see LiveBoards.GamesReassigned).
                PartitionOwner = sp => sp.GetRequiredService<BoardPartitions>(),
            },
        ])
    {
        Services = (services, _) => services.AddSingleton<LiveBoards>().AddSingleton<BoardPartitions>(),
        // Contests recorded before their partition was kept; the rest load as partitions are assigned.
        Warmup = (sp, ct) =>
            BoardStore.LoadLiveBoardsAsync(sp.GetRequiredService<NpgsqlDataSource>(),
                sp.GetRequiredService<LiveBoards>(), null, ct),
        Jobs = sp =>
        [
            new RefereeJob(sp.GetRequiredService<LiveBoards>()),
            new PublishStandingsJob(sp.GetRequiredService<LiveBoards>()),
            new SyncBoardsJob(sp.GetRequiredService<LiveBoards>()),
            new ReportCorrectionsJob(),
        ],
    };
}
