using System.Text;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Plumbing.Messaging;
using Header = ContestPipeline.Plumbing.Messaging.Header;
using ContestPipeline.Rules;
using ContestPipeline.Rules.Feed;

namespace ContestPipeline.Ingestion.Feed;

/// <summary>
/// One provider event with where it came from, kept whole so a held or refused event can be
/// dead-lettered as it arrived.
/// </summary>
public sealed record FeedEvent(
    string GameId, long Sequence, string MessageId, string MessageType, object Body,
    byte[] Payload, IReadOnlyList<Header> Headers, string Topic, int Partition, long Offset)
{
    public FeedItem Item => new(Sequence, MessageId, FeedEvents.ContentHash(Payload));

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
        var (_, id, sequence) = FeedValidator.Identify(body);
        var type = m.Envelope.Type;
        // Checked before the game is looked up, so an absurd id never becomes a row.
        if (FeedEvents.GameIdProblem(type, id, sequence) is { } problem) throw new MessageRejectedException(problem);
        var gameId = id!;
        // The key is the UTF-8 bytes of the game id: compared as bytes, because a key that is
        // not UTF-8 decodes to replacement characters a game id could also contain.
        if (m.RawKey is null || !m.RawKey.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(gameId)))
            throw new MessageRejectedException(
                $"{type} for game {Show.Name(gameId)} at sequence {Show.N(sequence)} "
                + $"arrived with key {(m.RawKey is null ? "null" : Show.Quote(m.Key))}; "
                + "provider.feed is keyed by game id");
        return new FeedEvent(gameId, sequence, m.Envelope.MessageId, type, body, m.Value!, m.Headers, m.Topic,
            m.Partition, m.Offset);
    }
}
