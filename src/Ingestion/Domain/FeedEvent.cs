using System.Security.Cryptography;
using System.Text;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Plumbing.Messaging;
using Header = ContestPipeline.Plumbing.Messaging.Header;
using ContestPipeline.Rules;
using ContestPipeline.Rules.Feed;

namespace ContestPipeline.Ingestion.Domain;

/// <summary>One provider event with where it came from, kept whole so a held or refused event can be dead-lettered as it arrived.</summary>
public sealed record FeedEvent(
    string GameId, long Sequence, string MessageId, string MessageType, object Body,
    byte[] Payload, IReadOnlyList<Header> Headers, string Topic, int Partition, long Offset)
{
    public FeedItem Item => new(Sequence, MessageId, Convert.ToHexStringLower(SHA256.HashData(Payload)));

    public static FeedEvent From(IncomingMessage m)
    {
        ArgumentNullException.ThrowIfNull(m);
        object body = m.Envelope.Type switch
        {
            GameScheduled.MessageType => m.Body<GameScheduled>(),
            GamePostponed.MessageType => m.Body<GamePostponed>(),
            GameStarted.MessageType => m.Body<GameStarted>(),
            StatUpdated.MessageType => m.Body<StatUpdated>(),
            StatCorrected.MessageType => m.Body<StatCorrected>(),
            GameSuspended.MessageType => m.Body<GameSuspended>(),
            GameResumed.MessageType => m.Body<GameResumed>(),
            GameEnded.MessageType => m.Body<GameEnded>(),
            GameCancelled.MessageType => m.Body<GameCancelled>(),
            _ => throw new MessageRejectedException($"{Show.Quote(m.Envelope.Type)} is not a provider feed event"),
        };
        var (_, gameId, sequence) = FeedValidator.Identify(body);
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

/// <summary>What becomes of a provider event the sequencer dropped, and the reason a refused one is given.</summary>
public static class FeedDrops
{
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
    public static string Reason(FeedEvent e, FeedDrop drop)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(drop);
        return $"{e.MessageType} for game {Show.Name(e.GameId)} at sequence {Show.N(e.Sequence)}: {drop.Detail}";
    }
}
