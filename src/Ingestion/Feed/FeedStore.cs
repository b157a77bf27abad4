using System.Text;
using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Ingestion.Contests;
using ContestPipeline.Plumbing.Messaging;
using Dapper;
using ContestPipeline.Rules.Feed;

namespace ContestPipeline.Ingestion.Feed;

/// <summary>
/// The provider feed's effects, inside the caller's transaction: the pure sequencer's and
/// validator's decisions (src/Rules/Feed) turned into writes and messages. Held events are stored,
/// released ones validated and published on <c>games</c> in sequence order, refused ones
/// dead-lettered and alerted, given-up gaps alerted; a covered game starting closes its
/// contests' entries. Used by the feed's handler and by the job that gives up expired gaps.
/// </summary>
public sealed class FeedStore(FeedSequencer sequencer)
{
    /// <summary>The feed's consumer: its dead letters name it.</summary>
    public static string Consumer => IngestionWorker.Shape.Group("feed").Consumer;

    public FeedSequencer Sequencer => sequencer;

    public async Task OfferAsync(TransactionContext context, IReadOnlyList<FeedEvent> events)
    {
        var games = await GameStore.GamesForUpdateAsync(context, events.Select(e => e.GameId));
        var now = context.Clock.GetUtcNow();
        var released = new ReleasedEvents();
        foreach (var e in events)
        {
            var game = games[e.GameId];
            var step = sequencer.Offer(game.Sequencing, e.Item, now);
            if (step.State.Held.ContainsKey(e.Sequence) && !game.Sequencing.Held.ContainsKey(e.Sequence))
                await HoldAsync(context, e);
            await ApplyStepAsync(context, game, step, e, released);
        }
        await released.SaveAsync(context);
        await GameStore.SaveGamesAsync(context, games.Values, sequencer);
    }

    /// <summary>Gives up the game's gaps whose hold time has passed, releasing what waited behind them.</summary>
    public async Task TickAsync(TransactionContext context, GameStore.GameRow game)
    {
        var step = sequencer.Tick(game.Sequencing, context.Clock.GetUtcNow());
        var released = new ReleasedEvents();
        await ApplyStepAsync(context, game, step, current: null, released);
        await released.SaveAsync(context);
        await GameStore.SaveGamesAsync(context, [game], sequencer);
    }

    private async Task ApplyStepAsync(TransactionContext context, GameStore.GameRow game, SequencerStep step,
        FeedEvent? current, ReleasedEvents released)
    {
        game.Sequencing = step.State;
        // What the provider is told is caused by its event being consumed, or by the clock giving a gap up.
        var cause = current is not null
            ? Cause.Recorded(current.MessageId, current.MessageId)
            : Cause.Clock(ExpireFeedGapsJob.JobName, game.GameId);
        foreach (var dropped in step.Dropped)
        {
            var drop = dropped;
            if (drop.Reason == FeedDropReason.Duplicate)
            {
                var hash = await released.HashAsync(context, game.GameId, drop.Item.Sequence);
                if (FeedDrops.ConflictWithReleased(drop, hash) is not { } conflict) continue;
                drop = conflict;
            }
            var code = drop.Reason switch
            {
                FeedDropReason.Conflict => "feed_conflict",
                FeedDropReason.Late => "feed_late",
                _ => "stat_rejected",
            };
            // The sequencer refuses only the event it is offered (a held one is never dropped on its turn: it is
            // released, and refused then by validation like any other), so every refusal has a message to
            // dead-letter, where the provider reads it (provider.feed.dlq).
            if (current is null || drop.Item.MessageId != current.MessageId)
                throw new InvariantViolatedException($"game {game.GameId}: the sequencer dropped " +
                    $"{drop.Item.MessageId} (sequence {drop.Item.Sequence}), not the event offered to it");
            DeadLetter(context, current,
                FeedDrops.Reason(current.MessageType, current.GameId, current.Sequence, drop), code);
        }
        foreach (var gap in step.Gaps)
        {
            context.RaiseAlert(IngestionWorker.Name, AlertSeverities.Critical, "feed_gap", game.GameId,
                gap.Describe(game.GameId), $"{game.GameId}:{gap.First}-{gap.Last}");
            Tell(context, cause, game.GameId, FeedGapGivenUp.MessageIdFor(game.GameId, gap.First, gap.Last),
                new FeedGapGivenUp(game.GameId, gap.First, gap.Last, gap.Describe(game.GameId),
                    context.Clock.GetUtcNow()));
        }
        foreach (var item in step.Released)
        {
            var e = current is not null && item.MessageId == current.MessageId && item.Sequence == current.Sequence
                ? current
                : await TakeHeldAsync(context, game.GameId, item.Sequence);
            released.Add(e);
            await ReleaseAsync(context, game, e);
        }
    }

    /// <summary>
    /// What was released in sequence order (applied or refused), by content hash, written in
    /// one statement per call and read back only when the sequencer reports a duplicate.
    /// </summary>
    private sealed class ReleasedEvents
    {
        private readonly Dictionary<(string GameId, long Sequence), (string MessageId, string Hash)> _pending = [];

        public void Add(FeedEvent e) => _pending.TryAdd((e.GameId, e.Sequence), (e.MessageId, e.Item.ContentHash));

        public async Task<string?> HashAsync(TransactionContext context, string gameId, long sequence) =>
            _pending.TryGetValue((gameId, sequence), out var p)
                ? p.Hash
                : await context.Connection.QueryFirstOrDefaultAsync<string>(
                    "SELECT content_hash FROM ingestion.released_events "
                    + "WHERE game_id = @gameId AND sequence = @sequence",
                    new { gameId, sequence }, context.Transaction);

        public Task SaveAsync(TransactionContext context) => _pending.Count == 0
            ? Task.CompletedTask
            : context.Connection.ExecuteAsync("""
                INSERT INTO ingestion.released_events (game_id, sequence, message_id, content_hash)
                SELECT * FROM unnest(@games, @sequences, @messageIds, @hashes)
                ON CONFLICT (game_id, sequence) DO NOTHING
                """, new
            {
                games = _pending.Keys.Select(k => k.GameId).ToArray(),
                sequences = _pending.Keys.Select(k => k.Sequence).ToArray(),
                messageIds = _pending.Values.Select(v => v.MessageId).ToArray(),
                hashes = _pending.Values.Select(v => v.Hash).ToArray(),
            }, context.Transaction);
    }

    private static async Task ReleaseAsync(TransactionContext context, GameStore.GameRow game, FeedEvent e)
    {
        if (FeedValidator.Validate(game.Facts, e.Body) is { } reason)
        {
            DeadLetter(context, e, reason, "stat_rejected");
            return;
        }
        var wasStarted = game.Facts.HasStarted;
        game.Facts = FeedValidator.Apply(game.Facts, e.Body);
        // The game fact keeps the provider's type and body; it is caused by the provider's event.
        var id = FeedMessageIds.GameFact(e.GameId, e.Sequence);
        var envelope = new Envelope(id, e.MessageType, 1, e.MessageId, e.MessageId, context.Clock.GetUtcNow());
        context.Publish(new OutgoingMessage(id, Topics.Games, Encoding.UTF8.GetBytes(e.GameId), e.MessageType,
            JsonSerializer.SerializeToUtf8Bytes(e.Body, e.Body.GetType(), OutgoingMessage.Json),
            OutgoingMessage.EnvelopeHeaders(envelope)));
        if (!wasStarted && game.Facts.HasStarted)
        {
            // A covered game starting closes entries even before the lock time: nobody may enter
            // a contest already in play. As of the start (never later than Ingestion learnt it),
            // and, as at lock, once every submission made before then is decided.
            var now = context.Clock.GetUtcNow();
            var startedAt = e.Body is GameStarted started && started.StartedAt < now ? started.StartedAt : now;
            await ContestStore.CloseEarlyAsync(context, e.GameId, startedAt);
        }
    }

    /// <summary>
    /// A refused event leaves through the outbox rather than by throwing: it was consumed in
    /// sequence order, and the sequence must move past it.
    /// </summary>
    private static void DeadLetter(TransactionContext context, FeedEvent e, string reason, string alertCode)
    {
        context.Publish(DeadLetters.Create(Consumer, e.MessageId, e.Topic, e.Partition, e.Offset,
            Encoding.UTF8.GetBytes(e.GameId), e.Payload, e.Headers, e.MessageType, reason));
        context.RaiseAlert(IngestionWorker.Name, AlertSeverities.Warning, alertCode, e.GameId, reason,
            $"{e.MessageId}:{e.Offset}");
    }

    /// <summary>
    /// What the provider reads on provider.feedback (unsigned: the provider holds no key to check), keyed by game.
    /// </summary>
    private static void Tell<T>(TransactionContext context, Cause cause, string gameId, string messageId, T body)
        where T : IMessage =>
        context.Publish(cause, Topics.ProviderFeedback, gameId, messageId, body);

    private static Task HoldAsync(TransactionContext context, FeedEvent e) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.held_events (game_id, sequence, message_id, message_type, payload, headers,
                kafka_topic, kafka_partition, kafka_offset)
            VALUES (@GameId, @Sequence, @MessageId, @MessageType, @Payload, @headers::jsonb, @Topic, @Partition,
                    @Offset)
            ON CONFLICT (game_id, sequence) DO NOTHING
            """, new
            {
                e.GameId, e.Sequence, e.MessageId, e.MessageType, e.Payload, headers = HeaderJson.Write(e.Headers),
                e.Topic, e.Partition, e.Offset,
            },
            context.Transaction);

    private static async Task<FeedEvent> TakeHeldAsync(TransactionContext context, string gameId, long sequence)
    {
        var row = await context.Connection.QueryFirstOrDefaultAsync<(string MessageId, string MessageType,
            byte[] Payload, string Headers, string Topic, int Partition, long Offset)>("""
            DELETE FROM ingestion.held_events WHERE game_id = @gameId AND sequence = @sequence
            RETURNING message_id, message_type, payload, headers::text, kafka_topic, kafka_partition, kafka_offset
            """, new { gameId, sequence }, context.Transaction);
        if (row.MessageId is null)
            throw new InvariantViolatedException(
                $"game {gameId}: the sequencer released held sequence {sequence}, which is not stored");
        var headers = HeaderJson.Read(row.Headers);
        var message = new IncomingMessage
        {
            Topic = row.Topic, Partition = row.Partition, Offset = row.Offset, RawKey = Encoding.UTF8.GetBytes(gameId),
            Value = row.Payload, Headers = headers,
            Envelope = new Envelope(row.MessageId, row.MessageType, 1, row.MessageId, null, context.Clock.GetUtcNow()),
        };
        return FeedEvent.From(message);
    }
}
