namespace ContestPipeline.Tests.Infrastructure;

/// <summary>
/// A clock that moves only when told to. Timers (Task.Delay, timeouts) created on it fire
/// inside <see cref="Advance"/>, in due order, on the caller's thread.
/// </summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = start;

    public ManualClock() : this(new DateTimeOffset(2024, 7, 1, 12, 0, 0, TimeSpan.Zero))
    {
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return _now;
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    /// <summary>
    /// How far off each timer waiting on this clock is due: evidence that code has got as far as
    /// waiting on the clock (a Task.Delay on it, a timeout) without a wall-clock sleep to guess when.
    /// </summary>
    public IReadOnlyList<TimeSpan> PendingTimers()
    {
        lock (_gate) return [.. _timers.Select(t => t.DueAt - _now).Order()];
    }

    public void Advance(TimeSpan by)
    {
        DateTimeOffset target;
        lock (_gate) target = _now + by;
        while (true)
        {
            ManualTimer? due;
            lock (_gate)
            {
                due = _timers.Where(t => t.DueAt <= target).MinBy(t => t.DueAt);
                if (due is null)
                {
                    _now = target;
                    return;
                }
                _now = due.DueAt;
                due.Reschedule();
            }
            due.Fire();
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class ManualTimer(ManualClock clock, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public DateTimeOffset DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                clock._timers.Remove(this);
                _period = period;
                if (dueTime == Timeout.InfiniteTimeSpan) return true;
                DueAt = clock._now + dueTime;
                clock._timers.Add(this);
                return true;
            }
        }

        /// <summary>Called under the clock's lock when the timer fires: periodic timers come round again.</summary>
        public void Reschedule()
        {
            clock._timers.Remove(this);
            if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero)
            {
                DueAt += _period;
                clock._timers.Add(this);
            }
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (clock._gate) clock._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
