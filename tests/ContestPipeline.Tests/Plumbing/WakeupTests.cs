using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// The pacing of an idle relay or job (<see cref="Wakeup"/>), on a clock that moves only when told: the slow wait
/// when nothing is written, the fast pace once something is, never faster than the fast pace.
/// </summary>
public sealed class WakeupTests
{
    private static readonly TimeSpan Busy = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(1);

    private static Wakeup NewWakeup() => Wakeup.For("t_" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Nothing_written_waits_the_idle_pace()
    {
        var clock = new ManualClock();
        var wakeup = NewWakeup();
        var wait = wakeup.WaitAsync(wakeup.Version, Busy, Idle, clock, CancellationToken.None);
        await TimerSetAsync(clock, Idle);

        clock.Advance(Idle - TimeSpan.FromMilliseconds(1));
        Assert.False(wait.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_write_during_the_wait_ends_it_once_the_fast_pace_has_passed()
    {
        var clock = new ManualClock();
        var wakeup = NewWakeup();
        var wait = wakeup.WaitAsync(wakeup.Version, Busy, Idle, clock, CancellationToken.None);
        await TimerSetAsync(clock, Idle);

        clock.Advance(TimeSpan.FromMilliseconds(300));
        Assert.False(wait.IsCompleted);
        wakeup.Pulse();
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_write_at_once_still_waits_the_fast_pace()
    {
        var clock = new ManualClock();
        var wakeup = NewWakeup();
        var wait = wakeup.WaitAsync(wakeup.Version, Busy, Idle, clock, CancellationToken.None);
        await TimerSetAsync(clock, Idle);

        wakeup.Pulse();
        await TimerSetAsync(clock, Busy);
        clock.Advance(Busy - TimeSpan.FromMilliseconds(1));
        Assert.False(wait.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_write_before_the_wait_began_is_not_missed()
    {
        var clock = new ManualClock();
        var wakeup = NewWakeup();
        var seen = wakeup.Version;
        wakeup.Pulse();
        var wait = wakeup.WaitAsync(seen, Busy, Idle, clock, CancellationToken.None);
        await TimerSetAsync(clock, Busy);

        Assert.Equal([Busy], clock.PendingTimers());
        clock.Advance(Busy);
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// Until the wait has set a timer due in <paramref name="due"/> on the clock (continuations run on the pool).
    /// </summary>
    private static Task TimerSetAsync(ManualClock clock, TimeSpan due) =>
        Eventually.UntilAsync(() => Task.FromResult(clock.PendingTimers()), t => t.Contains(due),
            $"a timer due in {due.TotalMilliseconds} ms (timers last observed)", TimeSpan.FromSeconds(10));
}
