namespace ContestPipeline.Plumbing.Messaging;

/// <summary>What a consume loop has done since it started; read by operators' logs, tests and the benchmark.</summary>
public sealed class InboxConsumerStats
{
    private long _received, _applied, _duplicates, _deadLettered, _deadLettersSkipped, _offsetResets;

    public long Received => Interlocked.Read(ref _received);
    /// <summary>Messages whose effects committed (first delivery).</summary>
    public long Applied => Interlocked.Read(ref _applied);
    /// <summary>Redelivered or replayed messages found in the inbox and skipped.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);
    public long DeadLettered => Interlocked.Read(ref _deadLettered);
    /// <summary>
    /// Messages dead-lettered before and delivered again (a replay) without an operator's re-drive grant: not applied.
    /// </summary>
    public long DeadLettersSkipped => Interlocked.Read(ref _deadLettersSkipped);
    /// <summary>Partitions whose next messages the broker had deleted unread (each raises an alert).</summary>
    public long OffsetResets => Interlocked.Read(ref _offsetResets);

    internal void AddReceived(long n) => Interlocked.Add(ref _received, n);
    internal void AddApplied(long n) => Interlocked.Add(ref _applied, n);
    internal void AddDuplicates(long n) => Interlocked.Add(ref _duplicates, n);
    internal void AddDeadLettered(long n) => Interlocked.Add(ref _deadLettered, n);
    internal void AddDeadLettersSkipped(long n) => Interlocked.Add(ref _deadLettersSkipped, n);
    internal void AddOffsetReset() => Interlocked.Increment(ref _offsetResets);
}
