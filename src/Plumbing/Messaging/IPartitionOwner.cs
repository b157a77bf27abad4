namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// State a worker keeps in memory per partition it consumes (Scoring's live boards, by the
/// partition of <c>contest.lifecycle</c> their contest hashes to): with several instances behind
/// one consumer group, each keeps what its partitions own. Called on the consume loop's thread,
/// so no message of a gained partition is handled before <see cref="Assigned"/> returns, and
/// none of a lost one after <see cref="Revoked"/> is called. An outage met while loading (the
/// database restarting during a rebalance) is waited out: the loop asks again, so
/// <see cref="Assigned"/> may be called more than once for a partition and must load it afresh
/// each time. Any other exception stops the worker (a bug).
/// </summary>
public interface IPartitionOwner
{
    void Assigned(IReadOnlyList<(string Topic, int Partition)> partitions);
    void Revoked(IReadOnlyList<(string Topic, int Partition)> partitions);
}
