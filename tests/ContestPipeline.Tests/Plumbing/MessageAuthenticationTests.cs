using System.Text;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// Signing and verifying one message: the canonical encoding as documented (a vector computed
/// by an independent implementation), and every way a message fails to be authentic, each with
/// its reason. The end-to-end refusals through the real workers are the insider corpus's.
/// </summary>
public sealed class MessageAuthenticationTests
{
    private static readonly SigningKey Settlement = new(Producers.Settlement, "k1", [.. Enumerable.Range(0, 32).Select(i => (byte)i)]);
    private static readonly SigningKey Ingestion = SigningKeys.Generate(Producers.Ingestion, "k1");
    private static readonly SigningKeys Keys = SigningKeys.Of(Settlement, Ingestion);
    private static readonly byte[] Body = "{\"payoutId\":\"p1\"}"u8.ToArray();

    private static List<Header> Envelope(string type = PrizePayoutOrdered.MessageType) =>
    [
        Header.Text(MessageHeaders.MessageId, "m1"),
        Header.Text(MessageHeaders.Type, type),
        Header.Text(MessageHeaders.SchemaVersion, "1"),
        Header.Text(MessageHeaders.CorrelationId, "m1"),
        Header.Text(MessageHeaders.OccurredAt, "2026-11-22T18:00:00.000Z"),
    ];

    private static List<Header> Signed(SigningKey key, string topic = Topics.PayoutsDue, string messageKey = "c1", string type = PrizePayoutOrdered.MessageType) =>
        new MessageSigner(key, PublishRights.Pipeline).Sign(topic, Encoding.UTF8.GetBytes(messageKey), Envelope(type), Body);

    private static string? Check(IReadOnlyList<Header> headers, string topic = Topics.PayoutsDue, string messageKey = "c1", byte[]? body = null) =>
        Keys.Verifier().Refusal(topic, Encoding.UTF8.GetBytes(messageKey), headers, body ?? Body);

    [Fact]
    public void The_signature_is_HMAC_SHA256_of_the_documented_encoding()
    {
        // Computed with Python's hmac over the encoding docs/topics/README.md describes (the
        // causation-id absent, so written as FF FF FF FF), so a producer in another language
        // that follows the page signs what a consumer here accepts.
        var headers = Signed(Settlement);

        Assert.Equal("6c312355c0e2e0f7f80da8d63167e0102075da5e393952a03a594553d08398d5",
            Encoding.UTF8.GetString(headers.Single(h => h.Name == MessageHeaders.Signature).Value));
        Assert.Equal([Producers.Settlement, "k1"],
            headers.Where(h => h.Name is MessageHeaders.Producer or MessageHeaders.KeyId).Select(h => Encoding.UTF8.GetString(h.Value)));
    }

    [Fact]
    public void A_message_signed_by_a_producer_the_table_allows_is_authentic() => Assert.Null(Check(Signed(Settlement)));

    [Fact]
    public void Signing_again_replaces_an_earlier_signature_instead_of_adding_a_second()
    {
        var twice = new MessageSigner(Settlement, PublishRights.Pipeline).Sign(Topics.PayoutsDue, "c1"u8.ToArray(), Signed(Settlement), Body);

        Assert.Single(twice, h => h.Name == MessageHeaders.Signature);
        Assert.Null(Check(twice));
    }

    public static TheoryData<string, Func<List<Header>>, string, string, string> Refusals => new()
    {
        { "unsigned", () => Envelope(), Topics.PayoutsDue, "c1", "unauthenticated: not signed (no signature header)" },
        { "signed with a key that is not the producer's", () => Signed(SigningKeys.Generate(Producers.Settlement, "k1")), Topics.PayoutsDue, "c1",
            "unauthenticated: signature does not match (producer settlement, key k1)" },
        { "a producer not allowed for the type", () => Signed(Ingestion), Topics.PayoutsDue, "c1",
            "unauthenticated: producer 'ingestion' may not publish 'PrizePayoutOrdered' on payouts.due (only settlement)" },
        { "a producer nobody knows", () => Signed(SigningKeys.Generate("mallory")), Topics.PayoutsDue, "c1",
            "unauthenticated: producer 'mallory' may not publish 'PrizePayoutOrdered' on payouts.due (only settlement)" },
        { "a key id the consumer does not hold", () => Signed(Settlement with { KeyId = "k9" }), Topics.PayoutsDue, "c1",
            "unauthenticated: unknown key 'k9' of producer settlement" },
        { "a type nobody may publish there", () => Signed(Settlement, type: ContestPaid.MessageType), Topics.PayoutsDue, "c1",
            "unauthenticated: no producer may publish 'ContestPaid' on payouts.due" },
        { "replayed onto another key (another contest)", () => Signed(Settlement), Topics.PayoutsDue, "c2",
            "unauthenticated: signature does not match (producer settlement, key k1)" },
        { "replayed onto another topic", () => Signed(Settlement, Topics.ContestLifecycle, type: ContestStateChanged.MessageType), Topics.PayoutsStatus, "c1",
            "unauthenticated: no producer may publish 'ContestStateChanged' on payouts.status" },
        { "a signed header changed", () => [.. Signed(Settlement).Select(h => h.Name == MessageHeaders.MessageId ? Header.Text(h.Name, "m2") : h)], Topics.PayoutsDue, "c1",
            "unauthenticated: signature does not match" },
        { "a signed header given twice", () => [.. Signed(Settlement), Header.Text(MessageHeaders.Type, RefundOrdered.MessageType)], Topics.PayoutsDue, "c1",
            "unauthenticated: header type appears more than once" },
        { "a causation id added after signing", () => [.. Signed(Settlement), Header.Text(MessageHeaders.CausationId, "x")], Topics.PayoutsDue, "c1",
            "unauthenticated: signature does not match" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_message_that_is_not_authentic_is_refused_with_its_reason(string what, Func<List<Header>> headers, string topic, string key, string reason)
    {
        var refusal = Check(headers(), topic, key);

        Assert.True(refusal is not null && refusal.StartsWith(reason, StringComparison.Ordinal), $"{what}: '{refusal}'");
    }

    [Fact]
    public void A_message_moved_to_another_topic_where_its_producer_may_publish_it_too_is_refused()
    {
        var rights = PublishRights.Pipeline.With(new PublishRight("payouts.due.mirror", RefundOrdered.MessageType, [Producers.Ingestion]));
        var headers = Signed(Ingestion, type: RefundOrdered.MessageType);

        Assert.Null(Keys.Verifier(rights).Refusal(Topics.PayoutsDue, "c1"u8.ToArray(), headers, Body));
        Assert.StartsWith("unauthenticated: signature does not match", Keys.Verifier(rights).Refusal("payouts.due.mirror", "c1"u8.ToArray(), headers, Body));
    }

    [Fact]
    public void An_altered_body_is_refused() =>
        Assert.StartsWith("unauthenticated: signature does not match", Check(Signed(Settlement), body: "{\"payoutId\":\"p2\"}"u8.ToArray()));

    [Fact]
    public void A_consumer_without_keys_refuses_every_message_on_an_internal_topic_and_checks_no_other()
    {
        Assert.StartsWith("unauthenticated: unknown key", MessageVerifier.NoKeys.Refusal(Topics.PayoutsDue, "c1"u8.ToArray(), Signed(Settlement), Body));
        Assert.Null(MessageVerifier.NoKeys.Refusal(Topics.ProviderFeed, "g1"u8.ToArray(), Envelope(), Body));
        Assert.Null(MessageVerifier.NoKeys.Refusal(Topics.DeadLetter(Topics.PayoutsDue), "c1"u8.ToArray(), Envelope(), Body));
    }

    [Fact]
    public void Keys_are_read_from_a_folder_per_producer_and_a_producer_with_several_signs_with_the_one_it_names()
    {
        var dir = Path.Combine(Path.GetTempPath(), "keys-" + Guid.NewGuid().ToString("N"));
        try
        {
            SigningKeys.CreateMissing(dir, [Producers.Operator, Producers.Payout]);
            File.WriteAllText(Path.Combine(dir, Producers.Payout, "2026-12.key"), Convert.ToBase64String(new byte[32]));
            var keys = SigningKeys.Load(dir);

            Assert.Equal(SigningKeys.LocalKeyId, keys.SigningKeyOf(Producers.Operator).KeyId);
            // While a key is rolled both verify, and the producer must be told which one signs.
            Assert.True(keys.TryGetSecret(Producers.Payout, "2026-12", out _) && keys.TryGetSecret(Producers.Payout, SigningKeys.LocalKeyId, out _));
            var ambiguous = Assert.Throws<StartupException>(() => keys.SigningKeyOf(Producers.Payout));
            Assert.Contains("has keys 2026-12, local-1", ambiguous.Message, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(dir, Producers.Payout, SigningKeys.SigningKeyFile), "2026-12\n");
            Assert.Equal("2026-12", SigningKeys.Load(dir).SigningKeyOf(Producers.Payout).KeyId);

            var missing = Assert.Throws<StartupException>(() => keys.SigningKeyOf(Producers.Settlement));
            Assert.Equal($"no signing key for producer 'settlement' in {dir} (CONTESTPIPELINE_SIGNING_KEYS_DIR): expected {dir}/settlement/<key id>.key", missing.Message);
            File.WriteAllText(Path.Combine(dir, Producers.Operator, "short.key"), Convert.ToBase64String(new byte[16]));
            Assert.Contains("holds 16 bytes; a key is at least 32", Assert.Throws<StartupException>(() => SigningKeys.Load(dir)).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
