using Confluent.Kafka.Admin;

namespace ContestPipeline.Plumbing.Kafka;

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
