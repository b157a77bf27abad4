namespace ContestPipeline.OperationsConsole.SignIn;

/// <summary>
/// Failed sign-ins counted per account name and per client address, each in a window of
/// <see cref="WindowMinutes"/> on the injected clock that opens at its first failure: past
/// <see cref="FailuresPerAccountMax"/> for a name or <see cref="FailuresPerAddressMax"/> from an
/// address, every sign-in for it is refused until its window ends, the right password included, so
/// guessing costs a window per few tries. A success does not reset the counts (a guesser who knows
/// one password could otherwise go on).
/// </summary>
public sealed class SignInThrottle(TimeProvider clock)
{
    public const int WindowMinutes = 15;
    public const int FailuresPerAccountMax = 5;
    public const int FailuresPerAddressMax = 20;

    /// <summary>
    /// Names and addresses counted at once; when full, expired windows are dropped, and a key that
    /// finds no room counts as refused.
    /// </summary>
    public const int KeysMax = 100_000;

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(WindowMinutes);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (DateTimeOffset Opened, int Failures)> _failures =
        new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// When sign-ins for <paramref name="name"/> from <paramref name="address"/> open again, or null
    /// when they are open.
    /// </summary>
    public DateTimeOffset? RefusedUntil(string name, string address)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            DateTimeOffset? until = null;
            var limits = new[] { ("name:" + name, FailuresPerAccountMax), ("addr:" + address, FailuresPerAddressMax) };
            foreach (var (key, max) in limits)
            {
                if (!_failures.TryGetValue(key, out var w) || now - w.Opened >= Window)
                {
                    if (_failures.Count >= KeysMax && !Prune(now)) return now + Window;
                    continue;
                }
                if (w.Failures >= max && (until is null || w.Opened + Window > until)) until = w.Opened + Window;
            }
            return until;
        }
    }

    public void Failed(string name, string address)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            foreach (var key in new[] { "name:" + name, "addr:" + address })
            {
                if (_failures.TryGetValue(key, out var w) && now - w.Opened < Window)
                    _failures[key] = (w.Opened, w.Failures + 1);
                else if (_failures.Count < KeysMax || _failures.ContainsKey(key) || Prune(now))
                    _failures[key] = (now, 1);
            }
        }
    }

    /// <summary>Drops the windows that have ended; true when that made room.</summary>
    private bool Prune(DateTimeOffset now)
    {
        var ended = _failures.Where(kv => now - kv.Value.Opened >= Window).Select(kv => kv.Key).ToList();
        foreach (var key in ended) _failures.Remove(key);
        return _failures.Count < KeysMax;
    }
}
