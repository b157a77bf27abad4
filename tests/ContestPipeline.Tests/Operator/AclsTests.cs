using ContestPipeline.Contracts;
using ContestPipeline.Local.Processes;
using ContestPipeline.Operator.Commands;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Deployment;

namespace ContestPipeline.Tests.Operator;

/// <summary>The ACL page is generated from the consumers and the producers table, and says what each principal may do.</summary>
public sealed class AclsTests
{
    private static IReadOnlyList<KafkaAcl> Acls() =>
        KafkaAcls.For(Workers.All.Values.Append(new("webhooks", [], [])), AclsCommand.Producers, [AclsCommand.OperatorPrincipal]);

    [Fact]
    public void The_acl_page_in_docs_is_what_the_generator_makes()
    {
        var page = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "kafka-acls.md"));
        Assert.True(page == AclsCommand.Page(), "docs/kafka-acls.md differs from `cpctl acls`: regenerate it (./run cpctl acls > docs/kafka-acls.md)");
    }

    [Fact]
    public void Each_worker_reads_exactly_its_consumers_topics_in_its_own_groups()
    {
        var acls = Acls();
        foreach (var worker in Workers.All.Values)
        {
            var principal = KafkaAcls.Principal(worker.Name);
            Assert.Equal(worker.Consumers.SelectMany(c => c.Topics).Distinct().Order(StringComparer.Ordinal),
                acls.Where(a => a.Principal == principal && a is { Operation: "Read", ResourceType: "Topic" }).Select(a => a.Resource));
            Assert.Equal(worker.Consumers.Select(c => c.Consumer).Order(StringComparer.Ordinal),
                acls.Where(a => a.Principal == principal && a is { Operation: "Read", ResourceType: "Group" }).Select(a => a.Resource));
        }
    }

    [Fact]
    public void Only_payout_writes_payouts_status_and_only_the_receiver_writes_stripe_events()
    {
        var acls = Acls();
        Assert.Equal(["User:payout"], acls.Where(a => a is { Operation: "Write", Resource: Topics.PayoutsStatus } && a.Principal != "User:cpctl").Select(a => a.Principal));
        Assert.Equal(["User:webhooks"], acls.Where(a => a is { Operation: "Write", Resource: Topics.StripeEvents } && a.Principal != "User:cpctl").Select(a => a.Principal));
        Assert.DoesNotContain(acls, a => a.Principal == "User:webhooks" && a.Operation == "Read");
    }
}
