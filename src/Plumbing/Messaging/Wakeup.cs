using System.Collections.Concurrent;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// "Something was written in this schema": pulsed in this process when a consume loop applied a batch
/// or anything added to the schema's outbox. The relay and the jobs poll fast while there is work and
/// slow down when a poll finds none; a pulse brings them back to their fast pace at once. An idle worker
/// then costs a few queries a second instead of dozens (the relay polled every 20 ms, the jobs every
/// 100-250 ms, each a transaction). Writes by another process (the console, cpctl) are not pulsed here:
/// they are seen at the slow pace, at most <see cref="Limits.IdlePollMaxMs"/> later.
/// </summary>
public sealed class Wakeup
{
    private static readonly ConcurrentDictionary<string, Wakeup> BySchema = new(StringComparer.Ordinal);

    private long _version;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The one wakeup of <paramref name="schema"/> in this process.</summary>
    public static Wakeup For(string schema) => BySchema.GetOrAdd(schema, _ => new Wakeup());

    /// <summary>How many pulses so far: what a waiter saw before its poll.</summary>
    public long Version => Volatile.Read(ref _version);

    public void Pulse()
    {
        Interlocked.Increment(ref _version);
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))
            .TrySetResult();
    }

    /// <summary>
    /// The wait after <paramref name="quiet"/> polls in a row that found nothing: <paramref name="fast"/> doubled for
    /// each, up to <paramref name="slowest"/> (never below <paramref name="fast"/>).
    /// </summary>
    public static TimeSpan IdlePace(TimeSpan fast, int quiet, TimeSpan slowest) =>
        TimeSpan.FromTicks(Math.Min(fast.Ticks << Math.Min(quiet, 16), Math.Max(fast.Ticks, slowest.Ticks)));

    /// <summary>
    /// Waits <paramref name="idle"/>, or, once pulsed after <paramref name="seen"/>, until
    /// <paramref name="busy"/> has passed since the wait began (never less than the fast pace).
    /// </summary>
    public async Task WaitAsync(long seen, TimeSpan busy, TimeSpan idle, TimeProvider clock, CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        if (idle > busy)
        {
            var pulsed = Volatile.Read(ref _next).Task;
            if (Version == seen)
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var timeout = Task.Delay(idle, clock, stop.Token);
                if (await Task.WhenAny(pulsed, timeout) == timeout)
                {
                    await timeout;
                    return;
                }
                await stop.CancelAsync();
            }
        }
        var left = busy - clock.GetElapsedTime(started);
        if (left > TimeSpan.Zero) await Task.Delay(left, clock, ct);
    }
}
