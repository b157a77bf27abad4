using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Plumbing.Hosting;

/// <summary>One consume loop of a worker: its group and topics, and the handlers of what it reads.</summary>
public sealed record ConsumerDefinition(string Consumer, IReadOnlyList<string> Topics,
    Func<IServiceProvider, IReadOnlyList<IMessageHandler>> Handlers)
{
    public ConsumerDefinition(ConsumerGroup group, Func<IServiceProvider, IReadOnlyList<IMessageHandler>> handlers)
        : this(group.Consumer, group.Topics, handlers)
    {
    }

    /// <summary>
    /// What keeps in-memory state per partition of this loop, told of every rebalance
    /// (<see cref="IPartitionOwner"/>).
    /// </summary>
    public Func<IServiceProvider, IPartitionOwner>? PartitionOwner { get; init; }
}
