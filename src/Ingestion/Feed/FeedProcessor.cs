using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Ingestion.Contests;
using ContestPipeline.Ingestion.Domain;
using ContestPipeline.Ingestion.Store;
using ContestPipeline.Plumbing.Messaging;
using Dapper;
using Header = ContestPipeline.Plumbing.Messaging.Header;

namespace ContestPipeline.Ingestion.Feed;

/// <summary>One provider event with where it came from, kept whole so a held or refused event can be dead-lettered as it arrived.</summary>
public sealed record FeedEvent(
    string GameId, long Sequence, string MessageId, string MessageType, object Body,
    byte[] Payload, IReadOnlyList<Header> Headers, string Topic, int Partition, long Offset)
{
    public FeedItem Item => new(Sequence, MessageId, Convert.ToHexStringLower(SHA256.HashData(Payload)));

    public static FeedEvent From(IncomingMessage m)
    {
        object body = m.Envelope.Type switch
        {
            GameScheduled.MessageType => m.Body<GameScheduled>(),
            GameStarted.MessageType => m.Body<GameStarted>(),
            StatUpdated.MessageType => m.Body<StatUpdated>(),
            StatCorrected.MessageType => m.Body<StatCorrected>(),
            GameEnded.MessageType => m.Body<GameEnded>(),
            _ => throw new MessageRejectedException($"{Show.Quote(m.Envelope.Type)} is not a provider feed event"),
        };
        var (gameId, sequence) = body switch
        {
            GameScheduled e => (e.GameId, e.Sequence),
            GameStarted e => (e.GameId, e.Sequence),
            StatUpdated e => (e.GameId, e.Sequence),
            StatCorrected e => (e.GameId, e.Sequence),
            GameEnded e => (e.GameId, e.Sequence),
            _ => throw new InvalidOperationException("unreachable"),
        };
        var type = m.Envelope.Type;
        if (string.IsNullOrWhiteSpace(gameId)) throw new MessageRejectedException($"{type} at sequence {Show.N(sequence)}: gameId is missing");
        // Checked before the game is looked up, so an absurd id never becomes a row.
        if (gameId.Length > IngestionLimits.GameIdLengthMax)
            throw new MessageRejectedException($"{type} for game {Show.Quote(gameId)} at sequence {Show.N(sequence)}: gameId is {Show.N(gameId.Length)} characters; at most {Show.N(IngestionLimits.GameIdLengthMax)} are allowed");
        // The key is the UTF-8 bytes of the game id: compared as bytes, because a key that is
        // not UTF-8 decodes to replacement characters a game id could also contain.
        if (m.RawKey is null || !m.RawKey.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(gameId)))
            throw new MessageRejectedException(
                $"{type} for game {Show.Name(gameId)} at sequence {Show.N(sequence)} arrived with key {(m.RawKey is null ? "null" : Show.Quote(m.Key))}; provider.feed is keyed by game id");
        return new FeedEvent(gameId, sequence, m.Envelope.MessageId, type, body, m.Value!, m.Headers, m.Topic, m.Partition, m.Offset);
    }
}

/// <summary>
/// Runs the pure sequencer and validator over provider events and turns their decisions
/// into effects, inside the caller's transaction: held events stored, released ones
/// validated and published on <c>games</c> in sequence order, refused ones dead-lettered
/// and alerted, given-up gaps alerted. A covered game starting closes its contests' entries.
/// </summary>
public sealed class FeedProcessor(FeedSequencer sequencer)
{
    public const string Consumer = "ingestion.feed";

    public FeedSequencer Sequencer => sequencer;

    public async Task OfferAsync(HandlerContext context, IReadOnlyList<FeedEvent> events)
    {
        var games = await IngestionStore.GamesForUpdateAsync(context, events.Select(e => e.GameId));
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
        await IngestionStore.SaveGamesAsync(context, games.Values, sequencer);
    }

    public async Task TickAsync(HandlerContext context, IngestionStore.GameRow game)
    {
        var step = sequencer.Tick(game.Sequencing, context.Clock.GetUtcNow());
        var released = new ReleasedEvents();
        await ApplyStepAsync(context, game, step, current: null, released);
        await released.SaveAsync(context);
        await IngestionStore.SaveGamesAsync(context, [game], sequencer);
    }

    /// <summary>
    /// The sequencer calls an event whose sequence is behind it a duplicate; it keeps no
    /// content of what it let through. Against the content hash of the event released under
    /// that sequence, a different one is a conflict (dead-lettered and alerted, the first
    /// kept), not a re-send to drop quietly. Null when <paramref name="duplicate"/> stays one.
    /// </summary>
    public static FeedDrop? ConflictWithReleased(FeedDrop duplicate, string? releasedHash)
    {
        ArgumentNullException.ThrowIfNull(duplicate);
        if (duplicate.Reason != FeedDropReason.Duplicate || releasedHash is null || releasedHash == duplicate.Item.ContentHash) return null;
        return duplicate with
        {
            Reason = FeedDropReason.Conflict,
            Detail = $"sequence {Show.N(duplicate.Item.Sequence)} (hash {duplicate.Item.ContentHash}) differs from the event already taken under it (hash {releasedHash}); " +
                     "the first received is kept: send the intended value as a new event with a new sequence",
        };
    }

    /// <summary>A refused event's reason: what, which game, which sequence, then why.</summary>
    public static string DropReason(FeedEvent e, FeedDrop drop)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(drop);
        return $"{e.MessageType} for game {Show.Name(e.GameId)} at sequence {Show.N(e.Sequence)}: {drop.Detail}";
    }

    private async Task ApplyStepAsync(HandlerContext context, IngestionStore.GameRow game, SequencerStep step, FeedEvent? current, ReleasedEvents released)
    {
        game.Sequencing = step.State;
        foreach (var dropped in step.Dropped)
        {
            var drop = dropped;
            if (drop.Reason == FeedDropReason.Duplicate)
            {
                var hash = await released.HashAsync(context, game.GameId, drop.Item.Sequence);
                if (ConflictWithReleased(drop, hash) is not { } conflict) continue;
                drop = conflict;
            }
            var code = drop.Reason switch
            {
                FeedDropReason.Conflict => "feed_conflict",
                FeedDropReason.Late => "feed_late",
                _ => "stat_rejected",
            };
            if (current is not null && drop.Item.MessageId == current.MessageId)
                DeadLetter(context, current, DropReason(current, drop), code);
            else
                context.RaiseAlert("ingestion", AlertSeverities.Warning, code, game.GameId, $"game {game.GameId}: {drop.Detail}", $"{game.GameId}:{drop.Item.Sequence}:{drop.Item.ContentHash}");
        }
        foreach (var gap in step.Gaps)
            context.RaiseAlert("ingestion", AlertSeverities.Critical, "feed_gap", game.GameId, gap.Describe(game.GameId), $"{game.GameId}:{gap.First}-{gap.Last}");
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

        public async Task<string?> HashAsync(HandlerContext context, string gameId, long sequence) =>
            _pending.TryGetValue((gameId, sequence), out var p)
                ? p.Hash
                : await context.Connection.QueryFirstOrDefaultAsync<string>(
                    "SELECT content_hash FROM ingestion.released_events WHERE game_id = @gameId AND sequence = @sequence",
                    new { gameId, sequence }, context.Transaction);

        public Task SaveAsync(HandlerContext context) => _pending.Count == 0
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

    private static async Task ReleaseAsync(HandlerContext context, IngestionStore.GameRow game, FeedEvent e)
    {
        if (FeedValidator.Validate(game.State, e.Body) is { } reason)
        {
            DeadLetter(context, e, reason, "stat_rejected");
            return;
        }
        var wasStarted = game.State.Phase >= GamePhase.Started;
        game.State = FeedValidator.Apply(game.State, e.Body);
        var id = FeedMessageIds.GameFact(e.GameId, e.Sequence);
        var envelope = new Envelope(id, e.MessageType, 1, e.MessageId, e.MessageId, context.Clock.GetUtcNow());
        context.Publish(new OutgoingMessage(id, Topics.Games, System.Text.Encoding.UTF8.GetBytes(e.GameId), e.MessageType,
            JsonSerializer.SerializeToUtf8Bytes(e.Body, e.Body.GetType(), OutgoingMessage.Json), OutgoingMessage.EnvelopeHeaders(envelope)));
        if (!wasStarted && game.State.Phase >= GamePhase.Started)
        {
            // A covered game starting closes entries even before the lock time: nobody may enter a contest already in play.
            var open = await context.Connection.QueryAsync<string>("""
                SELECT c.contest_id FROM ingestion.contests c JOIN ingestion.contest_games cg USING (contest_id)
                WHERE cg.game_id = @gameId AND c.status = 'open' ORDER BY c.contest_id FOR UPDATE OF c
                """, new { gameId = e.GameId }, context.Transaction);
            foreach (var contestId in open) await CloseEntriesJob.CloseAsync(context, contestId);
        }
    }

    /// <summary>
    /// A refused event leaves through the outbox rather than by throwing: it was consumed in
    /// sequence order, and the sequence must move past it.
    /// </summary>
    private static void DeadLetter(HandlerContext context, FeedEvent e, string reason, string alertCode)
    {
        context.Publish(DeadLetters.Create(Consumer, e.MessageId, e.Topic, e.Partition, e.Offset, System.Text.Encoding.UTF8.GetBytes(e.GameId),
            e.Payload, e.Headers, e.MessageType, reason, null, 1));
        context.RaiseAlert("ingestion", AlertSeverities.Warning, alertCode, e.GameId, reason, $"{e.MessageId}:{e.Offset}");
    }

    private static Task HoldAsync(HandlerContext context, FeedEvent e) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.held_events (game_id, sequence, message_id, message_type, payload, headers, kafka_topic, kafka_partition, kafka_offset)
            VALUES (@GameId, @Sequence, @MessageId, @MessageType, @Payload, @headers::jsonb, @Topic, @Partition, @Offset)
            ON CONFLICT (game_id, sequence) DO NOTHING
            """, new { e.GameId, e.Sequence, e.MessageId, e.MessageType, e.Payload, headers = HeaderJson.Write(e.Headers), e.Topic, e.Partition, e.Offset },
            context.Transaction);

    private static async Task<FeedEvent> TakeHeldAsync(HandlerContext context, string gameId, long sequence)
    {
        var row = await context.Connection.QueryFirstOrDefaultAsync<(string MessageId, string MessageType, byte[] Payload, string Headers, string Topic, int Partition, long Offset)>("""
            DELETE FROM ingestion.held_events WHERE game_id = @gameId AND sequence = @sequence
            RETURNING message_id, message_type, payload, headers::text, kafka_topic, kafka_partition, kafka_offset
            """, new { gameId, sequence }, context.Transaction);
        if (row.MessageId is null) throw new FatalWorkerException($"game {gameId}: the sequencer released held sequence {sequence}, which is not stored");
        var headers = HeaderJson.Read(row.Headers);
        var message = new IncomingMessage
        {
            Topic = row.Topic, Partition = row.Partition, Offset = row.Offset, RawKey = System.Text.Encoding.UTF8.GetBytes(gameId), Value = row.Payload,
            Headers = headers, Envelope = new Envelope(row.MessageId, row.MessageType, 1, row.MessageId, null, context.Clock.GetUtcNow()),
        };
        return FeedEvent.From(message);
    }
}
