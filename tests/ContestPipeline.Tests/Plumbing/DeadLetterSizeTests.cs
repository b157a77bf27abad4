using System.Text.Json;
using System.Text;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Plumbing;
using Header = ContestPipeline.Plumbing.Messaging.Header;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>Every message the pipeline writes about bad input fits in a message, however large the input was.</summary>
public sealed class DeadLetterSizeTests
{

    private static string HeaderOf(OutgoingMessage m, string name) =>
        Encoding.UTF8.GetString(m.Headers.Last(h => h.Name == name).Value);

    [Fact]
    public void A_small_dead_letter_keeps_everything_and_says_nothing_was_left_out()
    {
        var d = DeadLetters.Create("c", "m1", "provider.feed", 2, 88, "g1"u8.ToArray(), "{}"u8.ToArray(),
            [Header.Text("type", "StatUpdated")],
            "StatUpdated", "why");

        Assert.Equal("{}"u8.ToArray(), d.Payload);
        Assert.Equal("g1"u8.ToArray(), d.Key);
        Assert.DoesNotContain(d.Headers, h => h.Name == MessageHeaders.DeadLetterOmitted);
    }

    [Fact]
    public void Huge_headers_and_key_are_left_out_largest_first_until_the_dead_letter_fits()
    {
        var key = new byte[800_000];
        Header[] headers =
            [Header.Text("type", "StatUpdated"), new("junk-a", new byte[700_000]), new("junk-b", new byte[300_000])];

        var d = DeadLetters.Create("c", "m1", "provider.feed", 0, 5, key, "{}"u8.ToArray(), headers, "StatUpdated",
            new string('r', 50_000));

        Assert.True(d.WireBytes <= Limits.MessageBytesMax, $"{d.WireBytes} bytes");
        Assert.Equal("{}"u8.ToArray(), d.Payload);
        Assert.Equal(["type", "junk-b"],
            d.Headers.Select(h => h.Name).Where(n => !n.StartsWith("dlq-", StringComparison.Ordinal)));
        Assert.StartsWith("sha256:", Encoding.UTF8.GetString(d.Key!));
        var omitted = HeaderOf(d, MessageHeaders.DeadLetterOmitted);
        Assert.StartsWith("key (800,000 bytes, sha256 ", omitted);
        Assert.Contains("; the dead letter's key is its SHA-256); header junk-a (700,000 bytes, sha256 ", omitted);
        Assert.EndsWith("the original is at provider.feed/0@5", omitted);
        Assert.EndsWith("… (46,000 more characters)", HeaderOf(d, MessageHeaders.DeadLetterReason));
    }

    [Fact]
    public void An_alert_quoting_every_reason_of_a_hostile_input_is_cut_to_fit()
    {
        var context = new HandlerContext(null!, null!, TimeProvider.System);

        context.RaiseAlert("ingestion", "warning", "dead_letter", "contests/x",
            string.Join(" | ", Enumerable.Repeat("prizeTable.places[9] is missing", 40_000)), "x");

        var alert = Assert.Single(context.Outgoing);
        var message = JsonDocument.Parse(alert.Payload).RootElement.GetProperty("message").GetString()!;
        Assert.Equal(Limits.ReasonLengthMax + "… (1,345,999 more characters)".Length, message.Length);
    }
}
