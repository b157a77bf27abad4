using System.Security.Cryptography;
using System.Text;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Deployment;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// Operators are principals: a decision produced as <c>operator</c> carries its operator's own signature
/// for each consumer, under a key derived for that consumer alone, and the consumer takes the operator's
/// name from the key that verifies. Every refusal has its reason; the end-to-end refusals through the real
/// workers are in the payout and cpctl scenarios.
/// </summary>
public sealed class OperatorSignatureTests
{
    private const string Payout = "payout";
    private const string Settlement = "settlement";
    private static readonly SigningKey OperatorToPayout = SigningKeys.Generate(Producers.Operator, Payout);
    private static readonly SigningKey OperatorToSettlement = SigningKeys.Generate(Producers.Operator, Settlement);
    private static readonly OperatorKey Ann = OperatorKey.Generate("ann", "k1", OperatorRoles.Admin);
    private static readonly OperatorKey Bob = OperatorKey.Generate("bob", "k1", OperatorRoles.Admin);
    private static readonly byte[] Body = "{\"payoutId\":\"p1\"}"u8.ToArray();
    private static readonly byte[] MessageKey = "c1"u8.ToArray();

    private static SigningKeys KeysOf(string consumer) =>
        SigningKeys.Of(consumer == Payout ? OperatorToPayout : OperatorToSettlement).WithOperators(consumer, Ann, Bob);

    private static MessageSigner Signer =>
        new(Producers.Operator, [OperatorToPayout, OperatorToSettlement], PublishRights.Pipeline);

    private static List<Header> Envelope() =>
    [
        Header.Text(MessageHeaders.MessageId, "m1"),
        Header.Text(MessageHeaders.Type, PayoutReviewDecided.MessageType),
        Header.Text(MessageHeaders.SchemaVersion, "1"),
        Header.Text(MessageHeaders.CorrelationId, "m1"),
        Header.Text(MessageHeaders.OccurredAt, "2026-11-22T18:00:00.000Z"),
    ];

    private static List<Header> Signed(MessageSigner signer) =>
        signer.Sign(Topics.PayoutsDue, MessageKey, Envelope(), Body);

    private static string? Check(IReadOnlyList<Header> headers, out string? signedBy, string consumer = Payout) =>
        KeysOf(consumer).Verifier(consumer).Refusal(Topics.PayoutsDue, MessageKey, headers, Body, out signedBy);

    private static List<Header> With(List<Header> headers, string name, string value) =>
        [.. headers.Where(h => h.Name != name), Header.Text(name, value)];

    [Fact]
    public void A_decision_signed_with_an_operators_own_key_names_that_operator_for_every_consumer()
    {
        var headers = Signed(Signer.As(Ann));

        Assert.Null(Check(headers, out var atPayout));
        Assert.Equal("ann", atPayout);
        Assert.Null(Check(headers, out var atSettlement, Settlement));
        Assert.Equal("ann", atSettlement);
    }

    [Fact]
    public void Each_consumers_key_is_derived_one_way_from_the_operators_secret_for_that_consumer_alone()
    {
        var expected = HKDF.DeriveKey(HashAlgorithmName.SHA256, Ann.Secret, 32, [],
            Encoding.UTF8.GetBytes("contestpipeline.operator.v1\nann\npayout\nk1"));

        Assert.Equal(expected, Ann.ConsumerSecret(Payout));
        Assert.NotEqual(Ann.ConsumerSecret(Payout), Ann.ConsumerSecret(Settlement));
        Assert.NotEqual(Ann.ConsumerSecret(Payout), Bob.ConsumerSecret(Payout));
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "unsigned by an operator", "no operator-signatures header" },
        { "signed by ann, named bob", "operator signature does not match (operator bob" },
        { "an operator nobody issued", "unknown key 'k1' of operator mallory for payout" },
        { "payout's copy of ann's key signing for settlement",
            "operator signature does not match (operator ann, for settlement" },
        { "the operator header twice", "header operator appears more than once" },
        { "not signed for this consumer", "operator ann did not sign it for payout" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_decision_without_its_operators_valid_signature_is_refused_with_the_reason(string attack,
        string reason)
    {
        var consumer = Payout;
        var headers = attack switch
        {
            "unsigned by an operator" => Signed(Signer),
            "signed by ann, named bob" => With(Signed(Signer.As(Ann)), MessageHeaders.Operator, "bob"),
            "an operator nobody issued" =>
                Signed(Signer.As(OperatorKey.Generate("mallory", "k1", OperatorRoles.Admin))),
            "payout's copy of ann's key signing for settlement" => ForgedWithConsumersCopy(out consumer),
            "the operator header twice" => [.. Signed(Signer.As(Ann)), Header.Text(MessageHeaders.Operator, "ann")],
            "not signed for this consumer" => With(Signed(Signer.As(Ann)), MessageHeaders.OperatorSignatures,
                "settlement:k1:" + new string('0', 64)),
            _ => throw new ArgumentOutOfRangeException(nameof(attack)),
        };

        var refusal = Check(headers, out var signedBy, consumer);

        Assert.NotNull(refusal);
        Assert.StartsWith(MessageVerifier.Refused + ":", refusal, StringComparison.Ordinal);
        Assert.Contains(reason, refusal, StringComparison.Ordinal);
        Assert.Null(signedBy);
    }

    /// <summary>
    /// Payout holds the key ann's key gives Payout; signing for Settlement with it (as if it were ann's) fails
    /// there, since Settlement checks with the key ann's gives Settlement.
    /// </summary>
    private static List<Header> ForgedWithConsumersCopy(out string consumer)
    {
        consumer = Settlement;
        var copy = new OperatorKey("ann", "k1", Ann.ConsumerSecret(Payout), OperatorRoles.Admin);
        return Signed(Signer.As(copy));
    }

    public static TheoryData<string, string, string?> Roles => new()
    {
        { OperatorRoles.Viewer, OperatorActed.MessageType, null },
        { OperatorRoles.Viewer, PayoutReviewDecided.MessageType,
            "operator vic's key k1 is a viewer's; 'PayoutReviewDecided' needs an approver" },
        { OperatorRoles.Approver, PayoutReviewDecided.MessageType, null },
        { OperatorRoles.Approver, PayoutDispatchDecided.MessageType,
            "operator vic's key k1 is an approver's; 'PayoutDispatchDecided' needs an admin" },
        { OperatorRoles.Approver, "SomethingNew", "'SomethingNew' needs an admin" },
        { OperatorRoles.Admin, PayoutDispatchDecided.MessageType, null },
    };

    [Theory]
    [MemberData(nameof(Roles))]
    public void A_decision_is_applied_only_when_the_role_its_key_was_issued_for_may_make_it(string role, string type,
        string? refused)
    {
        var vic = OperatorKey.Generate("vic", "k1", role);
        var keys = SigningKeys.Of(OperatorToPayout).WithOperators(Payout, vic);
        var rights =
            PublishRights.Pipeline.With(new PublishRight(Topics.PayoutsDue, "SomethingNew", [Producers.Operator]));
        List<Header> envelope =
            [.. Envelope().Where(h => h.Name != MessageHeaders.Type), Header.Text(MessageHeaders.Type, type)];
        var signer = new MessageSigner(Producers.Operator, [OperatorToPayout], rights).As(vic);
        var rightsFor = type == OperatorActed.MessageType ? Topics.Operations : Topics.PayoutsDue;
        var signed = signer.Sign(rightsFor, MessageKey, envelope, Body);

        var refusal = keys.Verifier(Payout, rights).Refusal(rightsFor, MessageKey, signed, Body, out var signedBy);

        if (refused is null)
        {
            Assert.Null(refusal);
            Assert.Equal("vic", signedBy);
            return;
        }
        Assert.StartsWith(MessageVerifier.Refused + ": ", refusal, StringComparison.Ordinal);
        Assert.Contains(refused, refusal, StringComparison.Ordinal);
        Assert.Null(signedBy);
    }

    [Fact]
    public void A_services_copy_of_an_operators_key_carries_the_role_it_was_issued_for_and_a_new_issue_replaces_it()
    {
        var dir = Directory.CreateTempSubdirectory("operator-roles-").FullName;
        try
        {
            Ann.IssueTo(dir, [Payout]);
            Assert.True(File.Exists(Path.Combine(dir, "operators", "ann", Payout, "k1.admin.key")));
            Assert.True(SigningKeys.Load(dir).TryGetOperatorSecret("ann", Payout, "k1", out _, out var role));
            Assert.Equal(OperatorRoles.Admin, role);

            (Ann with { Role = OperatorRoles.Viewer }).IssueTo(dir, [Payout]);
            Assert.Equal(["k1.viewer.key"],
                Directory.GetFiles(Path.Combine(dir, "operators", "ann", Payout)).Select(Path.GetFileName));
            Assert.True(SigningKeys.Load(dir).TryGetOperatorSecret("ann", Payout, "k1", out _, out role));
            Assert.Equal(OperatorRoles.Viewer, role);

            // A key from before roles were bound to keys names none: the service does not start.
            File.Move(Path.Combine(dir, "operators", "ann", Payout, "k1.viewer.key"),
                Path.Combine(dir, "operators", "ann", Payout, "k1.key"));
            Assert.Contains("an operator's key is named <key id>.<role>.key",
                Assert.Throws<StartupException>(() => SigningKeys.Load(dir)).Message,
                StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_decision_naming_another_operator_than_its_signer_is_refused_by_its_handler()
    {
        var decision = new PayoutReviewDecided("d1", "p1", "c1", PayoutReviewDecided.Release, "bob", "checked",
            DateTimeOffset.UnixEpoch, "review", 3);
        var message = new IncomingMessage
        {
            Topic = Topics.PayoutsDue, Partition = 0, Offset = 1, RawKey = MessageKey, Value = Body, Headers = [],
            Envelope = new Envelope("m1", PayoutReviewDecided.MessageType, 1, "m1", null, DateTimeOffset.UnixEpoch),
            Operator = "ann",
        };

        var mismatch = MessageHandler<PayoutReviewDecided>.OperatorMismatch(message, decision);

        Assert.NotNull(mismatch);
        Assert.StartsWith("operator mismatch:", mismatch, StringComparison.Ordinal);
        Assert.Contains("names operator 'bob' and is signed by operator ann's own key", mismatch,
            StringComparison.Ordinal);
        Assert.Null(MessageHandler<PayoutReviewDecided>.OperatorMismatch(message, decision with { Operator = "ann" }));
    }

    [Fact]
    public void An_operators_key_sealed_under_their_password_opens_with_that_password_and_name_only()
    {
        var sealedKey = SealedOperatorKey.Seal(Ann, "correct horse");

        Assert.Equal(Ann.Secret, sealedKey.Open("ann", "correct horse")!.Secret);
        Assert.Equal(OperatorRoles.Admin, sealedKey.Open("ann", "correct horse")!.Role);
        // The role is sealed with the key: changed in the file, the key does not open.
        Assert.Null((sealedKey with { Role = OperatorRoles.Viewer }).Open("ann", "correct horse"));
        Assert.Null(sealedKey.Open("ann", "wrong"));
        Assert.Null(sealedKey.Open("bob", "correct horse"));
        Assert.DoesNotContain(Convert.ToBase64String(Ann.Secret), sealedKey.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_file_sealed_under_its_operators_password_signs_nothing_without_it()
    {
        var text = Ann.ToFileText("correct horse");

        Assert.DoesNotContain(Convert.ToBase64String(Ann.Secret), text, StringComparison.Ordinal);
        var opened = OperatorKey.Parse(text, "f", () => "correct horse");
        Assert.Equal((Ann.Operator, Ann.KeyId, Ann.Role), (opened.Operator, opened.KeyId, opened.Role));
        Assert.Equal(Ann.Secret, opened.Secret);
        Assert.Contains("the password given does not open ann's key",
            Assert.Throws<StartupException>(() => OperatorKey.Parse(text, "f", () => "wrong")).Message,
            StringComparison.Ordinal);
        Assert.Contains(
            "ann's key is sealed under their password; give it when asked, or in CONTESTPIPELINE_OPERATOR_KEY_PASSWORD",
            Assert.Throws<StartupException>(() => OperatorKey.Parse(text, "f", () => null)).Message,
            StringComparison.Ordinal);
        // The role beside the sealed key is the sealed one's, or the file is refused.
        var promoted =
            text.Replace("\"role\":\"admin\",\"sealed\"", "\"role\":\"viewer\",\"sealed\"", StringComparison.Ordinal);
        Assert.NotEqual(text, promoted);
        Assert.Contains("not of the key id and role the file names",
            Assert.Throws<StartupException>(() => OperatorKey.Parse(promoted, "f", () => "correct horse")).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Where_a_key_must_be_sealed_an_unsealed_file_is_refused_and_a_sealed_one_opens_from_the_same_read()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, Ann.ToFileText());
            Assert.Contains("in production an operator's key is sealed under their password",
                Assert.Throws<StartupException>(() => OperatorKey.ReadSealed(file, () => "correct horse")).Message,
                StringComparison.Ordinal);

            File.WriteAllText(file, Ann.ToFileText("correct horse"));
            Assert.Equal(Ann.Secret, OperatorKey.ReadSealed(file, () => "correct horse").Secret);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void An_operators_key_file_reads_back_as_written()
    {
        var read = OperatorKey.Parse(Ann.ToFileText(), "test");

        Assert.Equal((Ann.Operator, Ann.KeyId, Ann.Role), (read.Operator, read.KeyId, read.Role));
        Assert.Equal(Ann.Secret, read.Secret);
        var roleless = Ann.ToFileText().Replace(",\"role\":\"admin\"", "", StringComparison.Ordinal);
        Assert.Contains("it names no role",
            Assert.Throws<StartupException>(() => OperatorKey.Parse(roleless, "f")).Message,
            StringComparison.Ordinal);
        Assert.Contains("not an operator's key file",
            Assert.Throws<StartupException>(() => OperatorKey.Parse("{", "f")).Message,
            StringComparison.Ordinal);
    }
}
