using ContestPipeline.Contracts.Feed;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Ingestion.Feed;

/// <summary>The provider feed, one handler per event type; a run of events is sequenced in one pass.</summary>
public sealed class FeedHandler(FeedProcessor processor, string messageType) : IBatchMessageHandler
{
    public string MessageType => messageType;
    public int SchemaVersionMax => 1;

    public static IEnumerable<IMessageHandler> All(FeedProcessor processor) =>
        new[] { GameScheduled.MessageType, GameStarted.MessageType, StatUpdated.MessageType, StatCorrected.MessageType, GameEnded.MessageType }
            .Select(t => new FeedHandler(processor, t));

    public Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct) =>
        processor.OfferAsync(context, [FeedEvent.From(message)]);

    public Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context, CancellationToken ct) =>
        processor.OfferAsync(context, [.. messages.Select(FeedEvent.From)]);
}

/// <summary>Gives up feed gaps whose hold time has passed, releasing what waited behind them.</summary>
public sealed class ExpireFeedGapsJob(FeedProcessor processor) : IPeriodicJob
{
    public const int GamesPerRunMax = 50;

    public string Name => "expire-feed-gaps";
    public TimeSpan Interval => TimeSpan.FromSeconds(1);

    public async Task RunAsync(HandlerContext context, CancellationToken ct)
    {
        var due = await Dapper.SqlMapper.QueryAsync<string>(context.Connection,
            "SELECT game_id FROM ingestion.games WHERE gap_due_at <= @now ORDER BY gap_due_at LIMIT @limit FOR UPDATE SKIP LOCKED",
            new { now = context.Clock.GetUtcNow(), limit = GamesPerRunMax }, context.Transaction);
        var games = await Store.IngestionStore.GamesForUpdateAsync(context, due);
        foreach (var game in games.Values) await processor.TickAsync(context, game);
    }
}
