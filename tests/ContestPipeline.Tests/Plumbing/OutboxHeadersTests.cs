using System.Text;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// The outbox's compact header form: every header list round-trips exactly, and a typical envelope is small.
/// </summary>
public class OutboxHeadersTests
{
    private static readonly Envelope Typical = new(
        "game:steps-nov:11", "GameEnded", 1, "feed:steps-nov:11", "feed:steps-nov:11",
        new DateTimeOffset(2026, 11, 23, 17, 50, 50, 207, TimeSpan.Zero));

    private static IEnumerable<(string, string)> Hex(IEnumerable<Header> headers) =>
        headers.Select(h => (h.Name, Convert.ToHexString(h.Value)));

    [Fact]
    public void A_typical_envelope_round_trips_in_a_sixth_of_its_json()
    {
        var headers = OutgoingMessage.EnvelopeHeaders(Typical);
        var bytes = OutboxHeaders.Write(headers, Typical.MessageId, Typical.Type);
        Assert.Equal(Hex(headers), Hex(OutboxHeaders.Read(bytes, Typical.MessageId, Typical.Type)));
        // Format; id and type as shorthands; "1" and the correlation id as literals (name, token,
        // length, bytes); the causation id as "same as previous"; the time as 8 bytes.
        Assert.Equal(1 + 2 + 2 + (3 + 1) + (3 + "feed:steps-nov:11".Length) + 2 + (2 + 8), bytes.Length);
        Assert.True(bytes.Length * 6 < Encoding.UTF8.GetByteCount(HeaderJson.Write(headers)));
    }

    [Fact]
    public void Unknown_names_non_utf8_values_empty_values_and_near_misses_round_trip_exactly()
    {
        var headers = new List<Header>
        {
            Header.Text(MessageHeaders.MessageId, "another id"),            // not the row's id: stored as it is
            Header.Text(MessageHeaders.Type, "GameEnded"),                  // the row's type
            Header.Text("x-custom ✓", "plain ✓"),                           // a name not in the table
            new("b", [0xff, 0x00, 0xfe]),                                    // not UTF-8
            new("b", [0xff, 0x00, 0xfe]),                                    // the same again
            new("c", []),
            Header.Text(MessageHeaders.OccurredAt, "2026-11-23T17:50:50.2Z"),  // not the envelope's format
            Header.Text(MessageHeaders.OccurredAt, "2026-11-23T17:50:50.207+00:00"),
            Header.Text(MessageHeaders.OccurredAt, "1969-12-31T23:59:59.999Z"),
            Header.Text(MessageHeaders.CorrelationId, "game:steps-nov:11"),   // equal to the row's id, under
                                                                              // another name
            Header.Text(MessageHeaders.Signatures, new string('a', 300)),     // a length over one 7-bit byte
        };
        var bytes = OutboxHeaders.Write(headers, "game:steps-nov:11", "GameEnded");
        Assert.Equal(Hex(headers), Hex(OutboxHeaders.Read(bytes, "game:steps-nov:11", "GameEnded")));
    }

    [Fact]
    public void An_empty_list_round_trips()
    {
        var bytes = OutboxHeaders.Write([], "m", "T");
        Assert.Empty(OutboxHeaders.Read(bytes, "m", "T"));
    }

    [Theory]
    [InlineData(new byte[0], "not in format")]
    [InlineData(new byte[] { 2 }, "not in format")]
    [InlineData(new byte[] { 1, 200, 0, 0 }, "unknown name token 200")]
    [InlineData(new byte[] { 1, 1, 9 }, "unknown value token 9")]
    [InlineData(new byte[] { 1, 1, 3 }, "the first value repeats none")]
    [InlineData(new byte[] { 1, 1, 0, 5, 65 }, "a value is cut short")]
    [InlineData(new byte[] { 1, 1 }, "cut short")]
    [InlineData(new byte[] { 1, 6, 4, 0, 0 }, "cut short")]
    public void Bytes_that_are_not_this_form_are_refused_naming_the_message(byte[] bytes, string reason)
    {
        var e = Assert.Throws<InvalidDataException>(() => OutboxHeaders.Read(bytes, "msg-7", "T"));
        Assert.Contains("msg-7", e.Message);
        Assert.Contains(reason, e.Message);
    }
}
