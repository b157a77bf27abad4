using ContestPipeline.Contracts;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Kafka;

namespace ContestPipeline.Operator.Commands;

/// <summary>cpctl acls: prints the Kafka ACLs every principal needs (the page docs/kafka-acls.md).</summary>
public static class AclsCommand
{
    /// <summary>The principal of the operator's tool (topics job, dead letters, replays).</summary>
    public const string OperatorPrincipal = "cpctl";

    /// <summary>
    /// SEAM — the producers table. Until the table of who may publish which message type on
    /// which topic (the one message signatures are verified against) is in src/Contracts, this
    /// interim table lists, per producer, the topics it publishes to, as read from the code.
    /// When that table lands, replace <see cref="InterimProducerTable"/> here by an adapter
    /// over it (one <see cref="ProducerGrant"/> per row), delete the interim one, and
    /// regenerate docs/kafka-acls.md (cpctl acls &gt; docs/kafka-acls.md).
    /// </summary>
    public static IProducerTable Producers { get; } = new InterimProducerTable();

    public const string Source = "the producers table (interim: `AclsCommand.InterimProducerTable`)";

    public static string Page() =>
        KafkaAcls.Markdown(KafkaAcls.For(Workers.All.Values.Append(Webhooks()), Producers, [OperatorPrincipal]), Source);

    public static int Print(TextWriter output)
    {
        output.Write(Page());
        return 0;
    }

    /// <summary>The webhook receiver consumes nothing; it only produces (its row in the producers table).</summary>
    private static Plumbing.Hosting.WorkerDefinition Webhooks() => new("webhooks", [], []);

    private sealed class InterimProducerTable : IProducerTable
    {
        private const string Any = "*";

        public IReadOnlyList<ProducerGrant> Grants { get; } =
        [
            new("ingestion", Topics.Games, Any), new("ingestion", Topics.ContestLifecycle, Any), new("ingestion", Topics.PayoutsDue, Any),
            new("ingestion", Topics.Canary, Any),
            new("scoring", Topics.ContestLifecycle, Any), new("scoring", Topics.Standings, Any), new("scoring", Topics.Canary, Any),
            new("settlement", Topics.ContestLifecycle, Any), new("settlement", Topics.PayoutsDue, Any), new("settlement", Topics.Canary, Any),
            new("payout", Topics.PayoutsStatus, Any), new("payout", Topics.Canary, Any),
            new("webhooks", Topics.StripeEvents, Any),
            new("entry-api", Topics.Entries, Any),
            new("provider", Topics.ProviderFeed, Any),
            // Operators: contest definitions and cancels, payout decisions, canaries, and re-drives
            // of dead letters to the topic they came from.
            new(OperatorPrincipal, Topics.Contests, Any), new(OperatorPrincipal, Topics.PayoutsDue, Any), new(OperatorPrincipal, Topics.Canary, Any),
            .. Topics.All.Where(t => !t.EndsWith(Topics.DeadLetterSuffix, StringComparison.Ordinal)).Select(t => new ProducerGrant(OperatorPrincipal, t, "redrive")),
        ];
    }
}
