namespace ContestPipeline.Local.Bench.Peer;

/// <summary>
/// What one peer run measured: from the first measured message written to the last applied
/// (<paramref name="Elapsed"/>), the writer's share of it and how many were applied by then; and the checks read
/// back from the peer's own tables once the run settled: the measured messages' effect rows and their distinct
/// message ids, the warm-up's effect rows, inbox records marked handled (warm-up included: the peer's inbox does not
/// tell the two apart) with their average size in bytes, and outbox records still unsent.
/// </summary>
public sealed record PeerRun(
    TimeSpan Elapsed,
    TimeSpan Written,
    long AppliedWhenWritten,
    long EffectRows,
    long DistinctEffects,
    long WarmUpEffectRows,
    long InboxHandled,
    double InboxRecordBytes,
    long Unsent)
{
    /// <summary>Every message applied exactly once, each with its inbox record, and nothing left to send.</summary>
    public bool AppliedExactlyOnce(int messages, int warmUp) =>
        EffectRows == messages && DistinctEffects == messages && WarmUpEffectRows == warmUp
        && InboxHandled == messages + warmUp && Unsent == 0;
}
