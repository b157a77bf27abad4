using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Hosting;

namespace ContestPipeline.Plumbing.Kafka;

/// <summary>One row of the table of who may publish which message type on which topic.</summary>
public sealed record ProducerGrant(string Producer, string Topic, string MessageType);

/// <summary>
/// The table of who may publish what, where: the same table the consumers verify signatures
/// against, so the ACLs generated from it (<see cref="KafkaAcls"/>) can never disagree with it.
/// </summary>
public interface IProducerTable
{
    IReadOnlyList<ProducerGrant> Grants { get; }
}

/// <summary>One Kafka ACL, as kafka-acls.sh takes it.</summary>
public sealed record KafkaAcl(string Principal, string Operation, string ResourceType, string Resource)
{
    public string Command => ResourceType switch
    {
        "Topic" => $"kafka-acls.sh --add --allow-principal {Principal} --operation {Operation} --topic {Resource}",
        "Group" => $"kafka-acls.sh --add --allow-principal {Principal} --operation {Operation} --group {Resource}",
        _ => $"kafka-acls.sh --add --allow-principal {Principal} --operation {Operation} --cluster",
    };

    /// <summary>
    /// The same ACL as the Kafka admin API creates it: allowed, from any host, on the literal
    /// resource.
    /// </summary>
    public AclBinding ToBinding() => new()
    {
        Pattern = new ResourcePattern
        {
            // librdkafka's resource type for the cluster is BROKER (Kafka's CLUSTER, 4).
            Type = ResourceType == "Cluster"
                ? Confluent.Kafka.Admin.ResourceType.Broker
                : Enum.Parse<Confluent.Kafka.Admin.ResourceType>(ResourceType),
            Name = Resource, ResourcePatternType = ResourcePatternType.Literal,
        },
        Entry = new AccessControlEntry
        {
            Principal = Principal, Host = "*", Operation = Enum.Parse<AclOperation>(Operation),
            PermissionType = AclPermissionType.Allow,
        },
    };
}

/// <summary>
/// The ACLs each service's principal needs, generated, never written by hand: reads from the
/// workers' consumer definitions (each consume loop reads its topics in its own group), writes
/// from the producers table, and the writes the messaging core makes for every consumer (its
/// dead letters, its alerts). The principal of a producer is User:&lt;producer&gt; (its SCRAM
/// user, or its certificate's CN with mutual TLS).
/// </summary>
public static class KafkaAcls
{
    public static string Principal(string service) => "User:" + service;

    public static IReadOnlyList<KafkaAcl> For(IEnumerable<WorkerShape> workers, IProducerTable producers,
        IEnumerable<string> operatorPrincipals)
    {
        var acls = new List<KafkaAcl>();
        foreach (var worker in workers)
        {
            var p = Principal(worker.Name);
            foreach (var consumer in worker.Consumers)
            {
                acls.Add(new KafkaAcl(p, "Read", "Group", consumer.Consumer));
                foreach (var topic in consumer.Topics)
                {
                    acls.Add(new KafkaAcl(p, "Read", "Topic", topic));
                    acls.Add(new KafkaAcl(p, "Describe", "Topic", topic));
                    // The core dead-letters what a consumer cannot apply, through its own outbox.
                    acls.Add(new KafkaAcl(p, "Write", "Topic", Topics.DeadLetter(topic)));
                }
            }
            acls.Add(new KafkaAcl(p, "Write", "Topic", Topics.Alerts));
            // The relay's idempotent producer.
            acls.Add(new KafkaAcl(p, "IdempotentWrite", "Cluster", "kafka-cluster"));
        }
        foreach (var grant in producers.Grants)
        {
            acls.Add(new KafkaAcl(Principal(grant.Producer), "Write", "Topic", grant.Topic));
            acls.Add(new KafkaAcl(Principal(grant.Producer), "Describe", "Topic", grant.Topic));
            acls.Add(new KafkaAcl(Principal(grant.Producer), "IdempotentWrite", "Cluster", "kafka-cluster"));
        }
        foreach (var op in operatorPrincipals)
        {
            // The operator's tool provisions topics, reads dead letters, rewinds groups (joining
            // them) and re-drives dead letters to where they came from.
            var p = Principal(op);
            acls.Add(new KafkaAcl(p, "Create", "Cluster", "kafka-cluster"));
            foreach (var topic in TopicCatalog.All)
            {
                acls.Add(new KafkaAcl(p, "Describe", "Topic", topic.Name));
                acls.Add(new KafkaAcl(p, "DescribeConfigs", "Topic", topic.Name));
                // Dead letters are read to list them; other topics to find a replay's offsets by time
                // and to join the groups it rewinds.
                acls.Add(new KafkaAcl(p, "Read", "Topic", topic.Name));
            }
            foreach (var consumer in workers.SelectMany(w => w.Consumers))
                acls.Add(new KafkaAcl(p, "Read", "Group", consumer.Consumer));
        }
        return [.. acls.Distinct()
            .OrderBy(a => a.Principal, StringComparer.Ordinal).ThenBy(a => a.ResourceType, StringComparer.Ordinal)
            .ThenBy(a => a.Resource, StringComparer.Ordinal).ThenBy(a => a.Operation, StringComparer.Ordinal)];
    }

    /// <summary>The page docs/kafka-acls.md: a table per principal and the commands that create them.</summary>
    public static string Markdown(IReadOnlyList<KafkaAcl> acls, string source)
    {
        var md = new StringBuilder();
        md.Append("# Kafka ACLs\n\n");
        md.Append("Generated by `cpctl acls` from the workers' consumer definitions and ").Append(source)
            .Append(": do not edit by hand (a test fails when this page and the generator disagree). Deny by default ")
            .Append("(`allow.everyone.if.no.acl.found=false`); each service authenticates as its own principal ")
            .Append("(SASL/SCRAM-SHA-512 user, or the CN of its client certificate with mutual TLS). ")
            .Append("Kafka grants writes per topic, not per message type: which type a producer may publish "
                + "on a topic it can write ")
            .Append("is enforced by the message signatures the consumers verify against the same table.\n\n");
        foreach (var principal in acls.GroupBy(a => a.Principal))
        {
            md.Append("## ").Append(principal.Key).Append("\n\n| Operation | Resource |\n|---|---|\n");
            foreach (var acl in principal)
                md.Append("| ").Append(acl.Operation).Append(" | ").Append(acl.ResourceType).Append(' ')
                    .Append(acl.Resource).Append(" |\n");
            md.Append('\n');
        }
        md.Append("## Commands\n\n```sh\n");
        foreach (var acl in acls)
            md.Append(acl.Command).Append(" --bootstrap-server \"$KAFKA\" --command-config admin.properties\n");
        md.Append("```\n");
        return md.ToString();
    }
}
