namespace ContestPipeline.Plumbing;

/// <summary>Exponential backoff with full jitter, for waits that are not money-relevant.</summary>
public static class Backoff
{
    public static TimeSpan Exponential(int attempt, int baseMs, int maxMs)
    {
        var ceiling = Math.Min(maxMs, baseMs * Math.Pow(2, Math.Min(attempt - 1, 20)));
        // Jitter is only about spreading retries in time; it never feeds a result.
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }
}
