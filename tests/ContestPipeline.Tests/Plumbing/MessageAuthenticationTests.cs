using System.Text;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// Signing and verifying one message with pair keys: the canonical encoding as documented (a
/// vector computed by an independent implementation), and every way a message fails to be
/// authentic for the consumer checking it, each with its reason. The end-to-end refusals through
/// the real workers are the insider corpus's.
/// </summary>
public sealed class MessageAuthenticationTests
{
    private const string Payout = "payout";
    private const string ReadModel = "operations";

    /// <summary>Settlement's pair keys for the two consumers of payouts.due.</summary>
    private static readonly SigningKey SettlementToPayout =
        new(Producers.Settlement, Payout, "k1", [.. Enumerable.Range(0, 32).Select(i => (byte)i)]);
    private static readonly SigningKey SettlementToReadModel =
        SigningKeys.Generate(Producers.Settlement, ReadModel, "k1");
    private static readonly SigningKey IngestionToPayout = SigningKeys.Generate(Producers.Ingestion, Payout, "k1");
    private static readonly SigningKeys Keys =
        SigningKeys.Of(SettlementToPayout, SettlementToReadModel, IngestionToPayout);
    private static readonly byte[] Body = "{\"payoutId\":\"p1\"}"u8.ToArray();

    private static List<Header> Envelope(string type = PrizePayoutOrdered.MessageType) =>
    [
        Header.Text(MessageHeaders.MessageId, "m1"),
        Header.Text(MessageHeaders.Type, type),
        Header.Text(MessageHeaders.SchemaVersion, "1"),
        Header.Text(MessageHeaders.CorrelationId, "m1"),
        Header.Text(MessageHeaders.OccurredAt, "2026-11-22T18:00:00.000Z"),
    ];

    private static List<Header> Signed(SigningKey key, string topic = Topics.PayoutsDue, string messageKey = "c1",
        string type = PrizePayoutOrdered.MessageType) =>
        SignedBy([key], topic, messageKey, type);

    private static List<Header> SignedBy(SigningKey[] keys, string topic = Topics.PayoutsDue, string messageKey = "c1",
        string type = PrizePayoutOrdered.MessageType) =>
        new MessageSigner(keys[0].Producer, keys, PublishRights.Pipeline)
            .Sign(topic, Encoding.UTF8.GetBytes(messageKey), Envelope(type), Body);

    private static string? Check(IReadOnlyList<Header> headers, string topic = Topics.PayoutsDue,
        string messageKey = "c1", byte[]? body = null, string consumer = Payout) =>
        Keys.Verifier(consumer).Refusal(topic, Encoding.UTF8.GetBytes(messageKey), headers, body ?? Body);

    private static string Text(List<Header> headers, string name) =>
        Encoding.UTF8.GetString(headers.Single(h => h.Name == name).Value);

    [Fact]
    public void A_message_is_signed_only_for_the_services_that_read_its_topic()
    {
        // Settlement holds keys for payout and the read model; only payout reads this topic here.
        IReadOnlyList<string> ReadersOf(string topic) => topic == Topics.PayoutsDue ? [Payout] : ["scoring"];
        var signer = new MessageSigner(Producers.Settlement, [SettlementToPayout, SettlementToReadModel],
            PublishRights.Pipeline, ReadersOf);
        var headers = signer.Sign(Topics.PayoutsDue, "c1"u8.ToArray(), Envelope(), Body);

        Assert.Equal([Payout], signer.ConsumersOf(Topics.PayoutsDue));
        Assert.StartsWith("payout:k1:", Text(headers, MessageHeaders.Signatures));
        Assert.DoesNotContain(MessageSignature.Separator, Text(headers, MessageHeaders.Signatures));
        Assert.Null(Check(headers));
        Assert.StartsWith("unauthenticated", Check(headers, consumer: ReadModel));
        // No reader it holds a key for: every key signs, as without the table.
        Assert.Equal([ReadModel, Payout], signer.ConsumersOf(Topics.ContestLifecycle));
    }

    [Fact]
    public void Each_signature_is_HMAC_SHA256_of_the_documented_encoding_under_the_pair_key()
    {
        // Computed with Python's hmac over the encoding docs/topics/README.md describes (label v2,
        // the causation-id absent, so written as FF FF FF FF, then the consumer and the key id), so
        // a producer in another language that follows the page signs what a consumer here accepts.
        var headers = Signed(SettlementToPayout);

        Assert.Equal("payout:k1:dcb9347af2b9028749effaf6a371a5ebba7186cebe21527285f6ce93ab7f22be",
            Text(headers, MessageHeaders.Signatures));
        Assert.Equal(Producers.Settlement, Text(headers, MessageHeaders.Producer));
        Assert.DoesNotContain(headers, h => h.Name is MessageHeaders.KeyId or MessageHeaders.Signature);
    }

    [Fact]
    public void A_producer_signs_once_for_each_consumer_and_each_accepts_only_its_own()
    {
        var headers = SignedBy([SettlementToReadModel, SettlementToPayout]);

        Assert.Matches("^operations:k1:[0-9a-f]{64},payout:k1:[0-9a-f]{64}$", Text(headers, MessageHeaders.Signatures));
        Assert.Null(Check(headers));
        Assert.Null(Check(headers, consumer: ReadModel));
    }

    [Fact]
    public void A_consumer_holding_the_producers_key_for_itself_cannot_sign_for_another_consumer()
    {
        // The read model verifies Settlement's orders with (settlement, operations): that is all it holds.
        var asReadModel = Signed(SettlementToReadModel);
        Assert.Null(Check(asReadModel, consumer: ReadModel));
        Assert.Equal("unauthenticated: not signed for payout (signatures has no 'payout:…'): settlement did not sign " +
            "it for this consumer", Check(asReadModel));

        // Nor by relabelling its own signature as Payout's.
        var relabelled = asReadModel.Select(h => h.Name == MessageHeaders.Signatures
            ? Header.Text(h.Name, "payout" + Encoding.UTF8.GetString(h.Value)[ReadModel.Length..]) : h).ToList();
        Assert.StartsWith("unauthenticated: signature does not match (producer settlement, for payout, key k1)",
            Check(relabelled), StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_signed_by_a_producer_the_table_allows_is_authentic() =>
        Assert.Null(Check(Signed(SettlementToPayout)));

    [Fact]
    public void Signing_again_replaces_earlier_signatures_instead_of_adding_more()
    {
        var twice = new MessageSigner(Producers.Settlement, [SettlementToPayout], PublishRights.Pipeline)
            .Sign(Topics.PayoutsDue, "c1"u8.ToArray(), Signed(SettlementToPayout), Body);

        Assert.Single(twice, h => h.Name == MessageHeaders.Signatures);
        Assert.Null(Check(twice));
    }

    /// <summary>
    /// A message as producers signed it before pair keys: key-id and one signature under the producer's own key.
    /// </summary>
    private static List<Header> SignedTheOldWay() =>
        [.. Envelope(), Header.Text(MessageHeaders.Producer, Producers.Settlement),
            Header.Text(MessageHeaders.KeyId, "local-1"),
            Header.Text(MessageHeaders.Signature, new string('0', 64))];

    public static TheoryData<string, Func<List<Header>>, string, string, string> Refusals => new()
    {
        { "unsigned", () => Envelope(), Topics.PayoutsDue, "c1", "unauthenticated: not signed (no signatures header)" },
        { "signed the old way (one per-producer key)", SignedTheOldWay, Topics.PayoutsDue, "c1",
            "unauthenticated: signed the old way" },
        { "signed with a key that is not the pair's",
            () => Signed(SigningKeys.Generate(Producers.Settlement, Payout, "k1")), Topics.PayoutsDue, "c1",
            "unauthenticated: signature does not match (producer settlement, for payout, key k1)" },
        { "a producer not allowed for the type", () => Signed(IngestionToPayout), Topics.PayoutsDue, "c1",
            "unauthenticated: producer 'ingestion' may not publish 'PrizePayoutOrdered' on payouts.due (only " +
                "settlement)" },
        { "a producer nobody knows", () => Signed(SigningKeys.Generate("mallory", Payout)), Topics.PayoutsDue, "c1",
            "unauthenticated: producer 'mallory' may not publish 'PrizePayoutOrdered' on payouts.due (only " +
                "settlement)" },
        { "a key id the consumer does not hold", () => Signed(SettlementToPayout with { KeyId = "k9" }),
            Topics.PayoutsDue, "c1",
            "unauthenticated: unknown key 'k9' of producer settlement for payout" },
        { "a type nobody may publish there", () => Signed(SettlementToPayout, type: ContestPaid.MessageType),
            Topics.PayoutsDue, "c1",
            "unauthenticated: no producer may publish 'ContestPaid' on payouts.due" },
        { "replayed onto another key (another contest)", () => Signed(SettlementToPayout), Topics.PayoutsDue, "c2",
            "unauthenticated: signature does not match (producer settlement, for payout, key k1)" },
        { "replayed onto another topic", () => Signed(SettlementToPayout, Topics.ContestLifecycle,
            type: ContestStateChanged.MessageType), Topics.PayoutsStatus, "c1",
            "unauthenticated: no producer may publish 'ContestStateChanged' on payouts.status" },
        { "a signed header changed", () => [.. Signed(SettlementToPayout)
            .Select(h => h.Name == MessageHeaders.MessageId ? Header.Text(h.Name, "m2") : h)], Topics.PayoutsDue, "c1",
            "unauthenticated: signature does not match" },
        { "a signed header given twice", () => [.. Signed(SettlementToPayout),
            Header.Text(MessageHeaders.Type, RefundOrdered.MessageType)], Topics.PayoutsDue, "c1",
            "unauthenticated: header type appears more than once" },
        { "the signatures header given twice", () => [.. Signed(SettlementToPayout),
            .. Signed(SettlementToPayout).Where(h => h.Name == MessageHeaders.Signatures)], Topics.PayoutsDue, "c1",
            "unauthenticated: header signatures appears more than once" },
        { "one consumer named twice", () => [.. Envelope(), Header.Text(MessageHeaders.Producer, Producers.Settlement),
                Header.Text(MessageHeaders.Signatures,
                    $"payout:k1:{new string('0', 64)},payout:k1:{new string('1', 64)}")], Topics.PayoutsDue, "c1",
            "unauthenticated: signatures names payout more than once" },
        { "a malformed signatures header",
            () => [.. Envelope(), Header.Text(MessageHeaders.Producer, Producers.Settlement),
                Header.Text(MessageHeaders.Signatures, "payout")], Topics.PayoutsDue, "c1",
            "unauthenticated: signatures is not a list of '<consumer>:<key id>:<hex>'" },
        { "a causation id added after signing", () =>
            [.. Signed(SettlementToPayout), Header.Text(MessageHeaders.CausationId, "x")], Topics.PayoutsDue, "c1",
            "unauthenticated: signature does not match" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_message_that_is_not_authentic_is_refused_with_its_reason(string what, Func<List<Header>> headers,
        string topic, string key, string reason)
    {
        var refusal = Check(headers(), topic, key);

        Assert.True(refusal is not null && refusal.StartsWith(reason, StringComparison.Ordinal),
            $"{what}: '{refusal}'");
    }

    [Fact]
    public void A_message_moved_to_another_topic_where_its_producer_may_publish_it_too_is_refused()
    {
        var rights = PublishRights.Pipeline.With(
            new PublishRight("payouts.due.mirror", RefundOrdered.MessageType, [Producers.Ingestion]));
        var headers = Signed(IngestionToPayout, type: RefundOrdered.MessageType);

        Assert.Null(Keys.Verifier(Payout, rights).Refusal(Topics.PayoutsDue, "c1"u8.ToArray(), headers, Body));
        Assert.StartsWith("unauthenticated: signature does not match",
            Keys.Verifier(Payout, rights).Refusal("payouts.due.mirror", "c1"u8.ToArray(), headers, Body));
    }

    [Fact]
    public void An_altered_body_is_refused() =>
        Assert.StartsWith("unauthenticated: signature does not match",
            Check(Signed(SettlementToPayout), body: "{\"payoutId\":\"p2\"}"u8.ToArray()));

    [Fact]
    public void A_consumer_without_keys_refuses_every_message_on_an_internal_topic_and_checks_no_other()
    {
        Assert.StartsWith("unauthenticated: not signed for nobody",
            MessageVerifier.NoKeys.Refusal(Topics.PayoutsDue, "c1"u8.ToArray(), Signed(SettlementToPayout), Body));
        Assert.Null(MessageVerifier.NoKeys.Refusal(Topics.ProviderFeed, "g1"u8.ToArray(), Envelope(), Body));
        Assert.Null(
            MessageVerifier.NoKeys.Refusal(Topics.DeadLetter(Topics.PayoutsDue), "c1"u8.ToArray(), Envelope(), Body));
    }

    [Fact]
    public void Keys_are_read_from_a_folder_per_pair_and_a_pair_with_several_signs_with_the_one_it_names()
    {
        var dir = Path.Combine(Path.GetTempPath(), "keys-" + Guid.NewGuid().ToString("N"));
        try
        {
            SigningKeys.CreateMissing(dir,
                [(Producers.Operator, Payout), (Producers.Payout, "settlement"), (Producers.Payout, ReadModel)]);
            File.WriteAllText(Path.Combine(dir, Producers.Payout, "settlement", "2026-12.key"),
                Convert.ToBase64String(new byte[32]));
            var keys = SigningKeys.Load(dir);

            Assert.Equal([(Producers.Operator, Payout), (Producers.Payout, ReadModel),
                (Producers.Payout, "settlement")], keys.Pairs);
            Assert.Equal(SigningKeys.LocalKeyId, keys.SigningKeyOf(Producers.Operator, Payout).KeyId);
            // While a key is rolled both verify, and the producer must be told which one signs.
            Assert.True(keys.TryGetSecret(Producers.Payout, "settlement", "2026-12", out _)
                && keys.TryGetSecret(Producers.Payout, "settlement", SigningKeys.LocalKeyId, out _));
            var ambiguous = Assert.Throws<StartupException>(() => keys.SignerFor(Producers.Payout));
            Assert.Contains("pair payout -> settlement has keys 2026-12, local-1", ambiguous.Message,
                StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(dir, Producers.Payout, "settlement", SigningKeys.SigningKeyFile),
                "2026-12\n");
            var signer = SigningKeys.Load(dir).SignerFor(Producers.Payout);
            Assert.Equal([ReadModel, "settlement"], signer.Consumers);
            Assert.Equal("2026-12", SigningKeys.Load(dir).SigningKeyOf(Producers.Payout, "settlement").KeyId);

            var missing = Assert.Throws<StartupException>(() => keys.SignerFor(Producers.Settlement));
            Assert.Equal($"no signing key for producer 'settlement' in {dir} (CONTESTPIPELINE_SIGNING_KEYS_DIR): " +
                $"expected {dir}/settlement/<consumer>/<key id>.key for each consumer of what it publishes",
                missing.Message);
            // The read model signs what it publishes (notifications), so it too needs its keys to start.
            Assert.Contains("no signing key for producer 'operations'",
                Assert.Throws<StartupException>(() => keys.SignerFor(Producers.Operations)).Message,
                StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(dir, Producers.Operator, Payout, "short.key"),
                Convert.ToBase64String(new byte[16]));
            Assert.Contains("holds 16 bytes; a key is at least 32",
                Assert.Throws<StartupException>(() => SigningKeys.Load(dir)).Message, StringComparison.Ordinal);
            File.Delete(Path.Combine(dir, Producers.Operator, Payout, "short.key"));

            // A key of the old per-producer layout is refused at start, naming the file.
            File.WriteAllText(Path.Combine(dir, Producers.Operator, "local-1.key"),
                Convert.ToBase64String(new byte[32]));
            Assert.StartsWith(
                $"CONTESTPIPELINE_SIGNING_KEYS_DIR: {dir}/operator/local-1.key is a producer key of the old layout",
                Assert.Throws<StartupException>(() => SigningKeys.Load(dir)).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
