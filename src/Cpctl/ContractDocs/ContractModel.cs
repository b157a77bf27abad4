using System.Reflection;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Deployment;

namespace ContestPipeline.Cpctl.ContractDocs;

/// <summary>
/// The pipeline's topics and messages as data, from the code that runs them: the topic catalog,
/// the message records in src/Contracts, the publish-rights table (who sends what on a signed
/// topic) and the workers' consumer definitions (who reads which topic). What no table says
/// (the unsigned topics' types and producers, each topic's key) is the short list below.
/// </summary>
public static class ContractModel
{
    /// <summary>The key of every topic, as docs/topics/README.md states it (the UTF-8 bytes of that id).</summary>
    private static readonly Dictionary<string, string> Keys = new(StringComparer.Ordinal)
    {
        [Topics.ProviderFeed] = "game id",
        [Topics.ProviderFeedback] = "game id",
        [Topics.Contests] = "contest id",
        [Topics.Entries] = "contest id",
        [Topics.Games] = "game id",
        [Topics.ContestLifecycle] = "contest id",
        [Topics.Standings] = "contest id",
        [Topics.PayoutsDue] = "contest id (PayoutDispatchDecided: payouts:dispatch)",
        [Topics.PayoutsControl] = "payouts:dispatch",
        [Topics.PayoutsStatus] =
            "contest id (StripeEventHandled: the Stripe object id; PayoutDispatchChanged: payouts:dispatch; " +
            "RecipientBalanceRead: the player id; DisputeFundsMoved: the dispute id; PaymentFeesCharged: stripe:fees)",
        [Topics.StripeEvents] = "the Stripe object id",
        [Topics.Alerts] = "the source worker",
        [Topics.Canary] = "canary id",
        [Topics.Operations] = "the subject: alert id, contest id, or for OperatorActed the operator",
        [Topics.Notifications] = "the recipient",
        [Topics.WorkerRewinds] = "the worker",
    };

    /// <summary>
    /// The unsigned topics (not in the publish-rights table): their types and who may send them. The providers
    /// (<see cref="Services.Providers"/>) are outside the pipeline and sign nothing.
    /// </summary>
    private static readonly Dictionary<string, (string[] Types, string[] Senders)> Unsigned =
        new(StringComparer.Ordinal)
    {
        [Topics.ProviderFeed] = ([.. FeedTypes.All], [.. Services.Providers]),
        [Topics.ProviderFeedback] = ([FeedGapGivenUp.MessageType, FeedEventDropped.MessageType],
            [Workers.Ingestion.Name]),
        [Topics.Alerts] =
            ([AlertRaised.MessageType], [.. Workers.All.Keys.Order(StringComparer.Ordinal), Producers.Webhooks]),
        [Topics.Canary] = ([CanaryPassed.MessageType], [Producers.Operator, .. Workers.Names]),
    };

    /// <summary>Every message type with a record in src/Contracts, by name.</summary>
    public static IReadOnlyList<MessageContract> Messages { get; } = FindMessages();

    public static IReadOnlyList<TopicContract> AllTopics { get; } = [.. TopicCatalog.All.Select(Describe)];

    public static MessageContract Message(string type) =>
        Messages.FirstOrDefault(m => m.Type == type)
            ?? throw new KeyNotFoundException($"no message type {type} in src/Contracts");

    public static TopicContract? Topic(string name) => AllTopics.FirstOrDefault(t => t.Spec.Name == name);

    private static MessageContract[] FindMessages() =>
    [
        .. typeof(Topics).Assembly.GetTypes()
            .Where(t => t.IsClass && Literal(t, "MessageType") is string)
            .Select(t => new MessageContract((string)Literal(t, "MessageType")!, (int)Literal(t, "SchemaVersion")!,
                // A static class (Stripe's event, forwarded byte for byte) declares a type but no body shape.
                t.IsAbstract && t.IsSealed ? null : t))
            .OrderBy(m => m.Type, StringComparer.Ordinal),
    ];

    private static object? Literal(Type t, string name) =>
        t.GetField(name, BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } f
            ? f.GetRawConstantValue()
            : null;

    private static TopicContract Describe(TopicSpec spec)
    {
        var name = spec.Name;
        var original = name.EndsWith(Topics.DeadLetterSuffix, StringComparison.Ordinal)
            ? name[..^Topics.DeadLetterSuffix.Length]
            : null;
        var source = original ?? name;
        var signed = PublishRights.Pipeline.Covers(source);
        var types = signed
            ? PublishRights.Pipeline.Rows.Where(r => r.Topic == source).Select(r => r.MessageType).Distinct().ToArray()
            : Unsigned.TryGetValue(source, out var u) ? u.Types
            : throw new InvalidOperationException($"topic {source} is neither signed nor listed as unsigned");
        var consumers = ConsumersOf(source);
        var key = Keys.TryGetValue(source, out var k)
            ? k
            : throw new InvalidOperationException($"topic {source} has no key in the contract model");
        Dictionary<string, IReadOnlyList<string>> senders;
        IReadOnlyList<string> receivers;
        if (original is null)
        {
            senders = types.ToDictionary(t => t, t => (IReadOnlyList<string>)
                [.. (signed ? PublishRights.Pipeline.ProducersOf(source, t) : Unsigned[source].Senders)
                    .Order(StringComparer.Ordinal)], StringComparer.Ordinal);
            receivers = consumers;
        }
        else
        {
            // A dead letter is sent by the consumer that refused it; operators read it (cpctl dlq) and re-drive it.
            senders = types.ToDictionary(t => t, _ => consumers, StringComparer.Ordinal);
            receivers = [Producers.Operator];
        }
        return new TopicContract(spec, original is null ? key : key + " (the original's key)",
            original is null && signed, [.. types.Order(StringComparer.Ordinal)], senders, receivers);
    }

    private static IReadOnlyList<string> ConsumersOf(string topic) =>
        [.. Workers.All.Values.Where(w => w.Consumers.Any(c => c.Topics.Contains(topic))).Select(w => w.Name)
            .Order(StringComparer.Ordinal)];
}
