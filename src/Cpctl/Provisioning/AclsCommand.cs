using System.CommandLine;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Notifications;
using ContestPipeline.Deployment;
using ContestPipeline.Plumbing.Kafka;

namespace ContestPipeline.Cpctl.Provisioning;

/// <summary>cpctl acls: prints the Kafka ACLs every principal needs (the page docs/kafka-acls.md).</summary>
public static class AclsCommand
{
    public static Command Build()
    {
        var acls = new Command("acls",
            "print the Kafka ACLs each service's principal needs, generated from the workers' consumers " +
            "and the producers table (docs/kafka-acls.md)");
        acls.SetAction(_ => Print(Console.Out));
        return acls;
    }

    /// <summary>The principal of the operator's tool (topics job, dead letters, replays).</summary>
    public const string OperatorPrincipal = "cpctl";

    /// <summary>
    /// The producers table: every row of <see cref="PublishRights.Pipeline"/>, the table every
    /// consumer verifies signatures against (the operator producer's rows go to the operator's
    /// principal), plus what that table does not cover because it is not signed: canaries, the
    /// sports provider's feed, and the operator's re-drives of dead letters (to internal topics only).
    /// </summary>
    public static IProducerTable Producers { get; } = new PublishRightsTable(PublishRights.Pipeline);

    public const string Source = "the publish-rights table (`src/Contracts/Authentication/PublishRights.cs`)";

    /// <summary>Every ACL of every principal, as the topics job applies them.</summary>
    public static IReadOnlyList<KafkaAcl> Acls() =>
        KafkaAcls.For(Workers.All.Values.Append(Webhooks()), Producers, [OperatorPrincipal], ProviderReaders);

    /// <summary>
    /// Each provider reads what the pipeline answers about its feed: the events refused (provider.feed.dlq, the
    /// reason in the headers) and the rest (provider.feedback), in its own group.
    /// </summary>
    public static IReadOnlyList<OutsideReader> ProviderReaders { get; } =
    [
        .. Services.Providers.Select(p => new OutsideReader(p, Services.ProviderGroup(p),
            [Topics.DeadLetter(Topics.ProviderFeed), Topics.ProviderFeedback])),
    ];

    public static string Page() => KafkaAcls.Markdown(Acls(), Source);

    public static int Print(TextWriter output)
    {
        output.Write(Page());
        return 0;
    }

    /// <summary>The webhook receiver consumes nothing; it only produces (its row in the producers table).</summary>
    private static Plumbing.Hosting.WorkerShape Webhooks() => new("webhooks", [], []);

    private sealed class PublishRightsTable(PublishRights rights) : IProducerTable
    {
        private const string Any = "*";

        /// <summary>
        /// The principals that publish as <paramref name="producer"/>: every service whose key
        /// material signs as it (the operator's: the console and cpctl), else the producer's own
        /// name (a producer outside the stack, such as the entry API).
        /// </summary>
        private static IReadOnlyList<string> PrincipalsOf(string producer) =>
            Services.PrincipalsSigningAs(producer) is { Count: > 0 } principals ? principals : [producer];

        public IReadOnlyList<ProducerGrant> Grants { get; } =
        [
            .. rights.Rows.SelectMany(r => r.Producers.SelectMany(p => r.Topic == Topics.WorkerRewinds
                    ? [OperatorPrincipal] // replay is cpctl's alone; the console asks no worker to rewind
                    : PrincipalsOf(p))
                .Select(p => new ProducerGrant(p, r.Topic, r.MessageType))),
            // Unsigned: every worker's canary, and the provider's feed.
            .. Workers.All.Keys.Select(w => new ProducerGrant(w, Topics.Canary, Any)),
            new(OperatorPrincipal, Topics.Canary, Any),
            .. Services.Providers.Select(p => new ProducerGrant(p, Topics.ProviderFeed, Any)),
            // What Ingestion tells the provider (unsigned: the provider holds no key to check a signature with).
            new(Workers.Ingestion.Name, Topics.ProviderFeedback, Any),
            // Not signed either: what Operations asks the notification sender to send.
            new(Contracts.Authentication.Producers.Operations, Topics.Notifications, NotificationRequested.MessageType),
            // Re-drives of dead letters to the internal topic they came from: the message keeps its producer's
            // signature, which every consumer verifies, so the operator's credential replays what a producer
            // signed and can forge nothing. An unsigned topic (the provider's feed, alerts) is not re-driven:
            // there a write would be believed as the provider's or a worker's own (a feed sequence number
            // taken ahead of the provider, say).
            .. Topics.All.Where(rights.Covers).Select(t => new ProducerGrant(OperatorPrincipal, t, "redrive")),
        ];
    }
}
