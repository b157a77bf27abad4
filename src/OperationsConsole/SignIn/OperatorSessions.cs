using System.Collections.Concurrent;
using System.Security.Cryptography;
using ContestPipeline.Plumbing;

namespace ContestPipeline.OperationsConsole.SignIn;

/// <summary>
/// The operators' own keys of the sessions signed in, in memory only: opened from the operators file with the
/// password at sign-in, dropped at sign-out, after <see cref="Idle"/> without use, or when the console stops
/// (everyone signs in again). Nothing on disk opens them; the session's cookie names its entry by a random id.
/// </summary>
public sealed class OperatorSessions(TimeProvider clock)
{
    /// <summary>The cookie's own sliding lifetime: a session unused this long is gone.</summary>
    public static readonly TimeSpan Idle = TimeSpan.FromHours(8);
    public const string Claim = "cp-session";

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private sealed record Entry(OperatorKey Key, DateTimeOffset UsedAt);

    /// <summary>Holds the key for a new session; returns the session's id.</summary>
    public string Open(OperatorKey key)
    {
        Sweep();
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        _entries[id] = new Entry(key, clock.GetUtcNow());
        return id;
    }

    /// <summary>The session's key, or null when it is unknown or idle too long (sign in again).</summary>
    public OperatorKey? Find(string? id)
    {
        if (id is null || !_entries.TryGetValue(id, out var entry)) return null;
        var now = clock.GetUtcNow();
        if (now - entry.UsedAt >= Idle)
        {
            _entries.TryRemove(id, out _);
            return null;
        }
        _entries[id] = entry with { UsedAt = now };
        return entry.Key;
    }

    public void Close(string? id)
    {
        if (id is not null) _entries.TryRemove(id, out _);
    }

    private void Sweep()
    {
        var now = clock.GetUtcNow();
        foreach (var (id, entry) in _entries)
            if (now - entry.UsedAt >= Idle) _entries.TryRemove(id, out _);
    }
}
