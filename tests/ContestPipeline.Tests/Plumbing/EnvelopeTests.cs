using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Plumbing;

namespace ContestPipeline.Tests.Plumbing;

public sealed class EnvelopeTests
{
    private static readonly Envelope Sample =
        new("m-1", "Thing", 2, "corr", "cause", new DateTimeOffset(2026, 11, 21, 14, 0, 0, 123, TimeSpan.Zero));

    [Fact]
    public void Envelope_headers_round_trip()
    {
        var parsed = IncomingMessage.ParseEnvelope(OutgoingMessage.EnvelopeHeaders(Sample), DateTimeOffset.UnixEpoch,
            out var reason);
        Assert.Null(reason);
        Assert.Equal(Sample, parsed);
    }

    // Rule precedence: the first missing or malformed header is the one named.
    [Theory]
    [InlineData("message-id", null, "missing header message-id")]
    [InlineData("message-id", " ", "missing header message-id")]
    [InlineData("type", null, "missing header type")]
    [InlineData("schema-version", null, "missing header schema-version")]
    [InlineData("schema-version", "0", "header schema-version '0' is not a positive integer")]
    [InlineData("schema-version", "v1", "header schema-version 'v1' is not a positive integer")]
    [InlineData("occurred-at", "2026-11-21", "header occurred-at '2026-11-21' is not yyyy-MM-dd'T'HH:mm:ss.fff'Z'")]
    public void A_missing_or_malformed_header_is_named(string header, string? value, string expected)
    {
        var headers = OutgoingMessage.EnvelopeHeaders(Sample).Where(h => h.Name != header).ToList();
        if (value is not null) headers.Add(Header.Text(header, value));
        Assert.Null(IncomingMessage.ParseEnvelope(headers, DateTimeOffset.UnixEpoch, out var reason));
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void Missing_correlation_defaults_to_the_message_id_and_missing_time_to_the_kafka_timestamp()
    {
        var headers = OutgoingMessage.EnvelopeHeaders(Sample)
            .Where(h => h.Name is not (
                MessageHeaders.CorrelationId or MessageHeaders.OccurredAt or MessageHeaders.CausationId)).ToList();
        var kafkaTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var parsed = IncomingMessage.ParseEnvelope(headers, kafkaTime, out _)!;
        Assert.Equal("m-1", parsed.CorrelationId);
        Assert.Null(parsed.CausationId);
        Assert.Equal(kafkaTime, parsed.OccurredAt);
    }

    [Fact]
    public void Header_json_keeps_non_utf8_bytes_exactly()
    {
        var headers = new List<Header> { Header.Text("a", "plain ✓"), new("b", [0xff, 0x00, 0xfe]), new("c", []) };
        var back = HeaderJson.Read(HeaderJson.Write(headers));
        Assert.Equal(headers.Select(h => (h.Name, Convert.ToHexString(h.Value))),
            back.Select(h => (h.Name, Convert.ToHexString(h.Value))));
        Assert.Contains("\"base64\"", HeaderJson.Write(headers));
    }

    [Fact]
    public void A_caused_envelope_keeps_the_correlation_and_names_its_cause()
    {
        var caused = Sample.Caused("m-2", "Next", 1, Sample.OccurredAt);
        Assert.Equal(("corr", "m-1"), (caused.CorrelationId, caused.CausationId));
    }

    [Theory]
    [InlineData("relay.after-produce", "relay.after-produce", 1)]
    [InlineData("relay.after-produce:3", "relay.after-produce", 3)]
    [InlineData("consumer.after-commit:x", "consumer.after-commit", 1)]
    public void Crash_point_is_due_on_the_nth_hit_of_its_name_only(string spec, string point, int nth)
    {
        var crash = new CrashPoints(spec);
        Assert.False(crash.IsDue("another.point"));
        var due = Enumerable.Range(1, nth + 2).Where(_ => crash.IsDue(point)).Count();
        Assert.Equal(1, due);
        Assert.False(new CrashPoints(spec).IsDue(point) && nth > 1);
    }

    [Fact]
    public void Crash_points_are_inert_unless_configured()
    {
        var crash = new CrashPoints(null);
        Assert.False(crash.IsDue(CrashPoints.RelayAfterProduce));
        crash.Reach(CrashPoints.RelayAfterProduce);
    }

    [Theory]
    [InlineData("ingestion", true)]
    [InlineData("t_abc123", true)]
    [InlineData("Ingestion", false)]
    [InlineData("1abc", false)]
    [InlineData("a;drop table x", false)]
    [InlineData("", false)]
    public void Only_plain_identifiers_pass_as_schema_names(string name, bool ok)
    {
        if (ok) Assert.Equal(name, SqlNames.Identifier(name));
        else Assert.Throws<ArgumentException>(() => SqlNames.Identifier(name));
    }

    [Fact]
    public void Plumbing_migrations_are_embedded_in_order()
    {
        Assert.Equal(
            ["plumbing/0001_outbox_inbox", "plumbing/0002_canary", "plumbing/0003_retention_partitions",
                "plumbing/0004_compact_outbox_headers", "plumbing/0005_outbox_relay_progress",
                "plumbing/0006_outbox_unsent_by_index", "plumbing/0007_restores",
                "plumbing/0008_consumer_positions", "plumbing/0009_consumer_rewinds"],
            Migration.Plumbing.Select(m => m.Id));
        Assert.All(Migration.Plumbing, m => Assert.Equal(64, m.Checksum.Length));
        Assert.Contains("CREATE TABLE inbox", Migration.Plumbing[0].Sql);
    }
}
