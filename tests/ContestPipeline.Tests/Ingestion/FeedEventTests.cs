using System.Text;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Contracts;
using ContestPipeline.Ingestion.Feed;
using ContestPipeline.Local.Fuzz;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Feed;

namespace ContestPipeline.Tests.Ingestion;

/// <summary>
/// Reading a consumed provider.feed message into an event: what is refused before any game is looked up, and how it is
/// named.
/// </summary>
public sealed class FeedEventTests
{
    private static IncomingMessage Message(byte[]? key, string type, string body) => new()
    {
        Topic = Topics.ProviderFeed, Partition = 1, Offset = 42, RawKey = key,
        Value = Encoding.UTF8.GetBytes(body), Headers = [],
        Envelope = new Envelope("p:g1:3", type, 1, "p:g1:3", null, DateTimeOffset.UnixEpoch),
    };

    private static string Stat(string gameId) =>
        $$"""{"gameId":"{{gameId}}","sequence":3,"athleteId":"a","stat":"steps","value":5}""";

    private static string Rejection(byte[]? key, string body, string type = StatUpdated.MessageType) =>
        Assert.Throws<MessageRejectedException>(() => FeedEvent.From(Message(key, type, body))).Reason;

    [Fact]
    public void An_event_keyed_by_its_game_is_read_with_where_it_came_from()
    {
        var e = FeedEvent.From(Message("g1"u8.ToArray(), StatUpdated.MessageType, Stat("g1")));
        Assert.Equal(("g1", 3L, "p:g1:3", 1, 42L), (e.GameId, e.Sequence, e.MessageId, e.Partition, e.Offset));
        Assert.Equal(new StatUpdated("g1", 3, "a", "steps", 5), e.Body);
    }

    [Fact]
    public void A_key_that_is_not_the_game_id_is_refused_and_quoted() =>
        Assert.Equal(
            "StatUpdated for game g1 at sequence 3 arrived with key 'g2\\u000A'; provider.feed is keyed by game id",
            Rejection("g2\n"u8.ToArray(), Stat("g1")));

    [Fact]
    public void A_missing_key_is_refused() =>
        Assert.Equal("StatUpdated for game g1 at sequence 3 arrived with key null; provider.feed is keyed by game id",
            Rejection(null, Stat("g1")));

    [Fact]
    public void A_key_that_is_not_UTF8_never_matches_a_game_id_with_a_replacement_character() =>
        Assert.Contains("arrived with key", Rejection([(byte)'g', 0xff], Stat("g\uFFFD")));

    [Fact]
    public void An_absurd_game_id_is_refused_before_it_could_become_a_game() =>
        Assert.Equal($"StatUpdated for game '{new string('g', 80)}…' at sequence 3: gameId is 5,000 characters; at " +
            "most 100 are allowed",
            Rejection(Encoding.UTF8.GetBytes(new string('g', 5_000)), Stat(new string('g', 5_000))));

    [Fact]
    public void A_type_that_is_not_a_feed_event_is_refused_quoted() =>
        Assert.Equal("'Stat\\u000AUpdated' is not a provider feed event",
            Rejection("g1"u8.ToArray(), Stat("g1"), "Stat\nUpdated"));

    [Fact]
    public void A_refusal_by_the_sequencer_names_the_event_the_game_and_the_sequence()
    {
        var e = FeedEvent.From(Message("g|1"u8.ToArray(), StatUpdated.MessageType, Stat("g|1")));
        var late = new FeedDrop(e.Item, FeedDropReason.Late,
            "sequence 3 arrived after it was skipped at 2026-11-22T19:40:42.000Z");
        Assert.Equal("StatUpdated for game 'g\\u007C1' at sequence 3: sequence 3 arrived after it was skipped at " +
            "2026-11-22T19:40:42.000Z",
            FeedDrops.Reason(e.MessageType, e.GameId, e.Sequence, late));
    }

    [Fact]
    public void A_duplicate_sequence_with_other_content_than_the_event_taken_under_it_is_a_conflict()
    {
        var item = new FeedItem(117, "p:g1:117:again", "bbbb");
        var duplicate = new FeedDrop(item, FeedDropReason.Duplicate, "sequence 117 was already applied");

        var conflict = FeedDrops.ConflictWithReleased(duplicate, "aaaa");

        Assert.NotNull(conflict);
        Assert.Equal(FeedDropReason.Conflict, conflict.Reason);
        Assert.Equal("sequence 117 (hash bbbb) differs from the event already taken under it (hash aaaa); " +
            "the first received is kept: send the intended value as a new event with a new sequence", conflict.Detail);
        // The same content again is a re-send; nothing known about the sequence leaves it a duplicate.
        Assert.Null(FeedDrops.ConflictWithReleased(duplicate, "bbbb"));
        Assert.Null(FeedDrops.ConflictWithReleased(duplicate, null));
        Assert.Null(FeedDrops.ConflictWithReleased(duplicate with { Reason = FeedDropReason.Late }, "aaaa"));
    }
}
