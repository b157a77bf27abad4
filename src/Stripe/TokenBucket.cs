namespace ContestPipeline.Stripe;

/// <summary>
/// A token bucket on an injected clock: it holds at most <c>capacity</c> tokens and earns one
/// every 1/<c>tokensPerSecond</c> s, so over any period T it admits at most
/// capacity + T × tokensPerSecond requests. Integer arithmetic on the clock's timestamps
/// only. (System.Threading.RateLimiting's TokenBucketRateLimiter reads Stopwatch time even
/// when replenished by hand, so it cannot run on an injected clock.)
/// </summary>
public sealed class TokenBucket
{
    private readonly TimeProvider _clock;
    private readonly long _capacity;
    private readonly long _interval;
    private readonly Lock _gate = new();
    private long _tokens;
    private long _refilledAt;

    public TokenBucket(int tokensPerSecond, int capacity, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tokensPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _clock = clock;
        _capacity = capacity;
        // Rounded up, so the bucket never runs faster than the rate asked for.
        _interval = (clock.TimestampFrequency + tokensPerSecond - 1) / tokensPerSecond;
        _tokens = capacity;
        _refilledAt = clock.GetTimestamp();
    }

    /// <summary>Takes a token if there is one; otherwise says how long until the next.</summary>
    public bool TryTake(out TimeSpan wait)
    {
        lock (_gate)
        {
            var now = _clock.GetTimestamp();
            var earned = (now - _refilledAt) / _interval;
            if (earned > 0)
            {
                _tokens = Math.Min(_capacity, _tokens + earned);
                // A full bucket earns nothing while it waits: idle time is not saved up.
                _refilledAt = _tokens == _capacity ? now : _refilledAt + earned * _interval;
            }
            if (_tokens > 0)
            {
                _tokens--;
                wait = TimeSpan.Zero;
                return true;
            }
            wait = _clock.GetElapsedTime(now, _refilledAt + _interval);
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
}
