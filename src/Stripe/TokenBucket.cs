namespace ContestPipeline.Stripe;

/// <summary>
/// A token bucket on an injected clock: it holds at most <c>capacity</c> tokens and earns one
/// every 1/<c>tokensPerSecond</c> s, so over any period T it admits at most
/// capacity + T × tokensPerSecond requests. Integer arithmetic on the clock's timestamps
/// only. (System.Threading.RateLimiting's TokenBucketRateLimiter reads Stopwatch time even
/// when replenished by hand, so it cannot run on an injected clock.)
/// </summary>
/// <remarks>
/// A pooled budget (<see cref="StripeBudget.PooledRate"/>) changes the rate while the bucket runs
/// (<see cref="SetRate"/>), each rate valid for a while only: past that the bucket earns nothing
/// until it is set again, so a process that lost sight of the pool spends no more than its burst.
/// </remarks>
public sealed class TokenBucket
{
    private readonly TimeProvider _clock;
    private readonly long _capacity;
    private readonly Lock _gate = new();
    private long _interval;
    private int _rate;
    private long _validUntil = long.MaxValue;
    private long _tokens;
    private long _refilledAt;
    private long _demandAt = long.MinValue;
    private int _wanting;

    /// <param name="tokensPerSecond">The rate; 0 earns nothing until <see cref="SetRate"/> says otherwise.</param>
    public TokenBucket(int tokensPerSecond, int capacity, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokensPerSecond);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _clock = clock;
        _capacity = capacity;
        _interval = Interval(tokensPerSecond);
        _rate = tokensPerSecond;
        _tokens = capacity;
        _refilledAt = clock.GetTimestamp();
    }

    /// <summary>How long a refused take waits before looking again while the bucket earns nothing.</summary>
    public static readonly TimeSpan PausedWait = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// When a take last found the bucket (a clock timestamp), token or not, or now while a <see cref="Wanting"/>
    /// scope is held: this process's demand.
    /// </summary>
    public long LastDemand
    {
        get { lock (_gate) return _wanting > 0 ? _clock.GetTimestamp() : _demandAt; }
    }

    /// <summary>What the bucket earns a second now: its rate, or 0 once the rate lapsed.</summary>
    public int Rate
    {
        get { lock (_gate) return _clock.GetTimestamp() >= _validUntil ? 0 : _rate; }
    }

    /// <summary>
    /// From now on the bucket earns <paramref name="tokensPerSecond"/> (0: nothing) until
    /// <paramref name="validFor"/> has passed, then nothing until set again. The progress towards
    /// the next token is kept, scaled to the new rate, so a change never earns more than either rate
    /// would; time after a rate lapsed earns nothing.
    /// </summary>
    public void SetRate(int tokensPerSecond, TimeSpan validFor)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokensPerSecond);
        lock (_gate)
        {
            var now = _clock.GetTimestamp();
            var lapsed = now >= _validUntil;
            Refill(now);
            var interval = Interval(tokensPerSecond);
            if (lapsed || _interval == long.MaxValue || interval == long.MaxValue) _refilledAt = now;
            else if (interval != _interval)
                _refilledAt = now - (long)((Int128)(now - _refilledAt) * interval / _interval);
            _interval = interval;
            _rate = tokensPerSecond;
            _validUntil = validFor == Timeout.InfiniteTimeSpan ? long.MaxValue
                : now + (long)(validFor.TotalSeconds * _clock.TimestampFrequency);
        }
    }

    /// <summary>
    /// Demand without a take: while the returned scope is held the process has calls to make and is getting them
    /// ready (reading, claiming), and <see cref="LastDemand"/> reads as now, so a claim that takes longer than a
    /// pool's window does not read as having nothing to send.
    /// </summary>
    public IDisposable Wanting()
    {
        lock (_gate) _wanting++;
        return new WantingScope(this);
    }

    private sealed class WantingScope(TokenBucket bucket) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            lock (bucket._gate)
            {
                bucket._wanting--;
                bucket._demandAt = bucket._clock.GetTimestamp();
            }
        }
    }

    /// <summary>Takes a token if there is one; otherwise says how long until the next.</summary>
    public bool TryTake(out TimeSpan wait)
    {
        lock (_gate)
        {
            var now = _clock.GetTimestamp();
            _demandAt = now;
            Refill(now);
            if (_tokens > 0)
            {
                _tokens--;
                wait = TimeSpan.Zero;
                return true;
            }
            wait = _interval == long.MaxValue || now >= _validUntil ? PausedWait
                : _clock.GetElapsedTime(now, _refilledAt + _interval);
            return false;
        }
    }

    /// <summary>
    /// Waits for a token. Each turn waits until the next token is due, so it ends once one is won or when cancelled.
    /// </summary>
    public async ValueTask TakeAsync(CancellationToken ct)
    {
        while (!TryTake(out var wait))
            await Task.Delay(wait, _clock, ct);
    }

    // Rounded up, so the bucket never runs faster than the rate asked for; a rate of 0 never earns.
    private long Interval(int tokensPerSecond) => tokensPerSecond == 0 ? long.MaxValue
        : (_clock.TimestampFrequency + tokensPerSecond - 1) / tokensPerSecond;

    private void Refill(long now)
    {
        if (_interval == long.MaxValue) return;
        var until = Math.Min(now, _validUntil);
        if (until <= _refilledAt) return;
        var earned = (until - _refilledAt) / _interval;
        if (earned <= 0) return;
        _tokens = Math.Min(_capacity, _tokens + earned);
        // A full bucket earns nothing while it waits: idle time is not saved up.
        _refilledAt = _tokens == _capacity ? until : _refilledAt + earned * _interval;
    }
}
