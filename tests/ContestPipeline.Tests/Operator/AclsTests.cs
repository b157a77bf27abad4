using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Deployment;
using ContestPipeline.Cpctl.Provisioning;

namespace ContestPipeline.Tests.Operator;

/// <summary>The ACL page is generated from the consumers and the producers table, and says what each principal may do.
/// </summary>
public sealed class AclsTests
{
    private static IReadOnlyList<KafkaAcl> Acls() => AclsCommand.Acls();

    [Fact]
    public void A_provider_writes_only_its_feed_and_reads_only_the_answers_to_it_in_its_own_group()
    {
        var acls = Acls();
        Assert.Equal(["provider"], Services.Providers);
        var provider = acls.Where(a => a.Principal == "User:provider").ToList();
        Assert.Equal([("Topic", Topics.ProviderFeed)], provider.Where(a => a.Operation == "Write")
            .Select(a => (a.ResourceType, a.Resource)));
        Assert.Equal([Topics.DeadLetter(Topics.ProviderFeed), Topics.ProviderFeedback],
            provider.Where(a => a is { Operation: "Read", ResourceType: "Topic" }).Select(a => a.Resource));
        Assert.Equal(["provider.answers"], provider.Where(a => a is { Operation: "Read", ResourceType: "Group" })
            .Select(a => a.Resource));
        // What the pipeline tells the provider comes from Ingestion alone; nobody else in the stack reads it.
        Assert.Equal(["User:ingestion"], acls.Where(a => a is { Operation: "Write", Resource: Topics.ProviderFeedback }
            && a.Principal != "User:cpctl").Select(a => a.Principal));
        Assert.Equal(["User:cpctl", "User:provider"], acls.Where(a => a is { Operation: "Read", ResourceType: "Topic",
            Resource: Topics.ProviderFeedback }).Select(a => a.Principal));
        // The topics job creates its principal, from a password file of its own.
        Assert.Contains("provider", Services.CreatedPrincipals());
        Assert.Contains(Services.Topics.Secrets, f => f.Secret == Services.KafkaPassword("provider"));
    }

    [Fact]
    public void The_acl_page_in_docs_is_what_the_generator_makes()
    {
        var page = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "kafka-acls.md"));
        Assert.True(page == AclsCommand.Page(),
            "docs/kafka-acls.md differs from `cpctl acls`: regenerate it (./run cpctl acls > docs/kafka-acls.md)");
    }

    [Fact]
    public void Each_worker_reads_exactly_its_consumers_topics_in_its_own_groups()
    {
        var acls = Acls();
        foreach (var worker in Workers.All.Values)
        {
            var principal = KafkaAcls.Principal(worker.Name);
            // Besides its consumers' topics, the operators' rewinds, read whole at start without a group.
            Assert.Equal(worker.Consumers.SelectMany(c => c.Topics).Append(Topics.WorkerRewinds).Distinct()
                .Order(StringComparer.Ordinal),
                acls.Where(a => a.Principal == principal && a is { Operation: "Read", ResourceType: "Topic" })
                    .Select(a => a.Resource));
            Assert.Equal(worker.Consumers.Select(c => c.Consumer).Order(StringComparer.Ordinal),
                acls.Where(a => a.Principal == principal && a is { Operation: "Read", ResourceType: "Group" })
                    .Select(a => a.Resource));
        }
    }

    [Fact]
    public void No_operator_principal_reads_any_workers_consumer_group_and_only_cpctl_asks_for_rewinds()
    {
        var acls = Acls();
        var operators = Services.PrincipalsSigningAs(Producers.Operator).Append(AclsCommand.OperatorPrincipal)
            .Select(KafkaAcls.Principal).ToHashSet();
        var groups = Workers.All.Values.SelectMany(w => w.Consumers).Select(c => c.Consumer).ToHashSet();
        Assert.Contains("User:console", operators);
        Assert.DoesNotContain(acls, a => operators.Contains(a.Principal) && a is { ResourceType: "Group" });
        Assert.All(acls.Where(a => a.ResourceType == "Group" && a.Principal != "User:provider"),
            a => Assert.Equal(a.Principal, KafkaAcls.Principal(
            Workers.All.Values.Single(w => w.Consumers.Any(c => c.Consumer == a.Resource)).Name)));
        Assert.Subset(groups, acls.Where(a => a.ResourceType == "Group" && a.Principal != "User:provider")
            .Select(a => a.Resource).ToHashSet());
        Assert.Equal(["User:cpctl"], acls.Where(a => a is { Operation: "Write", Resource: Topics.WorkerRewinds })
            .Select(a => a.Principal));
        Assert.Equal(Workers.All.Keys.Append(AclsCommand.OperatorPrincipal).Select(KafkaAcls.Principal)
            .Order(StringComparer.Ordinal),
            acls.Where(a => a is { Operation: "Read", Resource: Topics.WorkerRewinds }).Select(a => a.Principal)
                .Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Only_payout_writes_payouts_status_and_only_the_receiver_writes_stripe_events()
    {
        var acls = Acls();
        Assert.Equal(["User:payout"], acls.Where(a => a is { Operation: "Write", Resource: Topics.PayoutsStatus }
            && a.Principal != "User:cpctl").Select(a => a.Principal));
        Assert.Equal(["User:webhooks"], acls.Where(a => a is { Operation: "Write", Resource: Topics.StripeEvents }
            && a.Principal != "User:cpctl").Select(a => a.Principal));
        Assert.DoesNotContain(acls, a => a.Principal == "User:webhooks" && a.Operation == "Read");
    }

    [Fact]
    public void An_operators_credential_writes_no_unsigned_topic_a_producer_owns()
    {
        var acls = Acls();
        // The provider's sequence numbers are its own: only the provider writes its feed.
        Assert.Equal(["User:provider"], acls.Where(a => a is { Operation: "Write", Resource: Topics.ProviderFeed })
            .Select(a => a.Principal));
        // The operator's principals (cpctl, the console) write only topics whose every message is signed and verified
        // (what they write there verifies as its producer's or is refused), and the canary, which moves no money.
        var operators = Services.PrincipalsSigningAs(Producers.Operator).Append(AclsCommand.OperatorPrincipal)
            .Select(KafkaAcls.Principal).ToHashSet();
        Assert.Contains("User:cpctl", operators);
        Assert.All(
            acls.Where(a => operators.Contains(a.Principal) && a is { Operation: "Write", ResourceType: "Topic" }),
            a => Assert.True(PublishRights.Pipeline.Covers(a.Resource) || a.Resource == Topics.Canary,
                $"{a.Principal} may write unsigned {a.Resource}"));
        // Alerts are signed by the service that raised them: cpctl writes there only to re-drive one, as its source
        // signed it.
        Assert.True(PublishRights.Pipeline.Covers(Topics.Alerts));
        // Players' notifications are asked for by Operations alone; cpctl writes there only to re-drive a dead letter,
        // which still carries Operations' signature or is refused by the sender.
        Assert.True(PublishRights.Pipeline.Covers(Topics.Notifications));
        Assert.Equal(["User:cpctl", "User:operations"],
            acls.Where(a => a is { Operation: "Write", Resource: Topics.Notifications })
            .Select(a => a.Principal).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_principal_is_a_services_own_from_the_definition_and_every_acl_is_one_the_admin_api_creates()
    {
        var acls = AclsCommand.Acls();
        var services = Services.All.Select(s => s.KafkaPrincipal).OfType<string>().Where(p => p != Services.KafkaAdmin)
            .Select(KafkaAcls.Principal).ToHashSet();
        // Producers outside the stack keep principals of their own: the entry API and the sports-data provider.
        var outside = new[] { "User:entry-api", "User:provider" };
        Assert.Empty(acls.Select(a => a.Principal).Distinct().Except(services).Except(outside));
        // The console writes only what an operator publishes, and reads nothing.
        Assert.DoesNotContain(acls, a => a is { Principal: "User:console", Operation: "Read" });
        Assert.Equal([Topics.Contests, Topics.Operations, Topics.PayoutsControl, Topics.PayoutsDue],
            acls.Where(a => a is { Principal: "User:console", Operation: "Write" }).Select(a => a.Resource)
                .Order(StringComparer.Ordinal));
        var bindings = acls.Select(a => a.ToBinding()).ToList();
        Assert.Equal(acls.Count, bindings.Select(b =>
            (b.Entry.Principal, b.Entry.Operation, b.Pattern.Type, b.Pattern.Name)).Distinct().Count());
        Assert.All(bindings, b => Assert.Equal(Confluent.Kafka.Admin.AclPermissionType.Allow, b.Entry.PermissionType));
    }
}
