using ContestPipeline.Deployment;
using ContestPipeline.Plumbing;
using Microsoft.Extensions.Configuration;

namespace ContestPipeline.OperationsConsole.Extensions;

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

/// <summary>
/// The TOTP steps already signed in with, per operator: a code is good once. A step at or before the last one an
/// operator signed in with is refused (a code seen over a shoulder, or replayed, within its minute).
/// </summary>
public sealed class TotpSteps
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _last = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>True, and the step is spent, when it is later than the operator's last; false when used.</summary>
    public bool TryUse(string @operator, long step)
    {
        lock (_gate)
        {
            if (_last.TryGetValue(@operator, out var last) && step <= last) return false;
            _last[@operator] = step;
            return true;
        }
    }
}

/// <summary>
/// The operators as the operators file says now: read again on every request (a small file), so an
/// operator removed or demoted there loses access at once, whatever the cookie says. An unreadable
/// file signs nobody in (and says why in the log).
/// </summary>
public sealed class OperatorDirectory(IConfiguration configuration, Operators atStart)
{
    public Operators Current()
    {
        try
        {
            var json = Setting.Text(configuration, ConsoleOptions.Settings.Operators);
            return json is null ? atStart : Operators.Parse(json, ConsoleOptions.Settings.Operators);
        }
        catch (StartupException)
        {
            return new Operators([]);
        }
    }
}

/// <summary>Where the console may send an operator after signing in: a path of its own, never another site.</summary>
public static class LocalPath
{
    /// <summary>
    /// True for "/" and "/x..." only: not "//host" or "/\host" (browsers read both as another
    /// site), no backslash or control character anywhere, nothing with a scheme.
    /// </summary>
    public static bool IsLocal(string? path) =>
        !string.IsNullOrEmpty(path) && path[0] == '/' && (path.Length == 1 || path[1] is not ('/' or '\\'))
        && !path.Contains('\\', StringComparison.Ordinal) && !path.Any(char.IsControl)
        && !path.Contains("://", StringComparison.Ordinal);
}
