namespace ContestPipeline.Plumbing.Kafka;

/// <summary>
/// The table of who may publish what, where: the same table the consumers verify signatures
/// against, so the ACLs generated from it (<see cref="KafkaAcls"/>) can never disagree with it.
/// </summary>
public interface IProducerTable
{
    IReadOnlyList<ProducerGrant> Grants { get; }
}
