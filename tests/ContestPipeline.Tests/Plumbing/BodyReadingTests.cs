using System.Text.Json;
using System.Text;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>How every consumer reads a body: strictly, so that one message means one thing whoever reads it.</summary>
public sealed class BodyReadingTests
{
    private static IncomingMessage Message(string type, string body) => new()
    {
        Topic = Topics.ProviderFeed, Partition = 0, Offset = 7, RawKey = "g1"u8.ToArray(),
        Value = Encoding.UTF8.GetBytes(body), Headers = [],
        Envelope = new Envelope("m", type, 1, "m", null, DateTimeOffset.UnixEpoch),
    };

    private static string Rejection<T>(string body) where T : class =>
        Assert.Throws<MessageRejectedException>(() => Message(typeof(T).Name, body).Body<T>()).Reason;

    [Theory]
    [InlineData("""{"gameId":"g1","sequence":3,"athleteId":"a","stat":"steps","value":20000000,"value":5}""",
        "Duplicate property 'value'")]
    [InlineData("""{"gameId":"g1","sequence":3,"athleteId":"a","stat":"steps","value":5,"VALUE":-1}""",
        "Duplicate property 'value'")]
    public void A_field_written_twice_is_unreadable_rather_than_read_as_one_of_its_values(string body,
        string expected) =>
        Assert.Contains(expected, Rejection<StatUpdated>(body));

    [Fact]
    public void An_unknown_field_written_twice_is_still_ignored() =>
        Assert.Equal(5, Message("StatUpdated",
            """{"gameId":"g1","sequence":3,"athleteId":"a","stat":"steps","value":5,"x":1,"x":2}""")
            .Body<StatUpdated>().Value);

    [Theory]
    [InlineData("2026-11-22T18:00:00")]
    [InlineData("2026-11-22")]
    [InlineData("2026-11-22T18:00:00.250")]
    [InlineData("18:00:00Z")]
    [InlineData("2026-11-22T18:00:00.+00:00")]
    [InlineData("2026-11-22 18:00:00Z")]
    [InlineData("not a time")]
    public void A_timestamp_without_a_date_a_time_and_an_offset_is_unreadable(string stamp) =>
        Assert.Contains("a timestamp is ISO 8601 with a date, a time and an offset",
            Rejection<GameStarted>($$"""{"gameId":"g1","sequence":2,"startedAt":"{{stamp}}"}"""));

    [Fact]
    public void A_timestamp_that_is_not_a_string_is_unreadable() =>
        Assert.Contains("a timestamp is a string",
            Rejection<GameStarted>("""{"gameId":"g1","sequence":2,"startedAt":1795280823}"""));

    [Theory]
    [InlineData("2026-11-22T18:00:00Z", "2026-11-22T18:00:00+00:00")]
    [InlineData("2026-11-22T18:00:00+00:00", "2026-11-22T18:00:00+00:00")]
    [InlineData("2026-11-22T13:00:00-05:00", "2026-11-22T13:00:00-05:00")]
    [InlineData("2026-11-22T18:02:41.25+01:00", "2026-11-22T18:02:41.25+01:00")]
    [InlineData("2026-11-22T18:00:00\\u002B02:00", "2026-11-22T18:00:00+02:00")]
    [InlineData("2026-11-22T18:00:00.123456789Z", "2026-11-22T18:00:00.1234567Z")]
    public void A_timestamp_with_an_offset_reads_as_written(string stamp, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            Message("GameStarted", $$"""{"gameId":"g1","sequence":2,"startedAt":"{{stamp}}"}""")
                .Body<GameStarted>().StartedAt);

    [Fact]
    public void Bodies_written_by_the_pipeline_read_back_unchanged()
    {
        var started =
            new GameStarted("g1", 2, new DateTimeOffset(2026, 11, 22, 18, 2, 41, 250, TimeSpan.FromHours(-5)));
        var written = JsonSerializer.SerializeToUtf8Bytes(started, OutgoingMessage.Json);
        var read = JsonSerializer.Deserialize<GameStarted>(written, OutgoingMessage.Json)!;

        Assert.Equal(started.StartedAt.Offset, read.StartedAt.Offset);
        Assert.Equal(started, read);
        // Written as before: the default writer's text, offset and all.
        Assert.Contains("2026-11-22T18:02:41.25-05:00", Encoding.UTF8.GetString(written));
        var definition = JsonSerializer.Deserialize<ContestDefined>(
            JsonSerializer.SerializeToUtf8Bytes(Scenarios.ContestScenarios.Fantasy("c", started.StartedAt, ["g1"]),
                OutgoingMessage.Json), OutgoingMessage.Json)!;
        Assert.Equal(started.StartedAt, definition.LockAt);
    }

    [Fact]
    public void An_unreadable_body_is_named_in_one_line_of_bounded_length_whatever_it_quotes()
    {
        var reason = Rejection<StatUpdated>("{\"gameYd\": fz\u0002\n" + new string('x', 5_000));

        Assert.StartsWith("unreadable body for StatUpdated: ", reason);
        Assert.DoesNotContain(reason, char.IsControl);
        Assert.True(reason.Length < 400, reason);
    }
}
