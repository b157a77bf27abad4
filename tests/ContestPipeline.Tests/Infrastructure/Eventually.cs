namespace ContestPipeline.Tests.Infrastructure;

/// <summary>
/// The one way a test waits for something another party does (a worker process, a consumer
/// loop, the Stripe-compatible server's webhook sender): polls a condition until it holds.
/// The timeout only keeps a broken test from hanging; it asserts nothing about speed, so it
/// is generous and the same everywhere unless a test waits for something known to be long.
/// On timeout the test fails naming what it waited for and the last value it observed.
/// </summary>
public static class Eventually
{
    /// <summary>How long any wait may take before the test is taken to be broken.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Polls <paramref name="observe"/> until <paramref name="done"/> holds for what it returned; returns that value.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> observe, Func<T, bool> done, string what,
        TimeSpan? timeout = null)
    {
        var patience = timeout ?? Patience;
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var value = await observe();
            if (done(value)) return value;
            if (DateTime.UtcNow >= deadline)
                throw new Xunit.Sdk.XunitException(
                    $"timed out after {patience.TotalSeconds:0} s waiting for {what}; last observed: {Show(value)}");
            await Task.Delay(PollInterval);
        }
    }

    /// <summary>
    /// Polls <paramref name="observe"/> until <paramref name="done"/> holds for what it returned; returns that value.
    /// </summary>
    public static Task<T> UntilAsync<T>(Func<T> observe, Func<T, bool> done, string what, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(observe()), done, what, timeout);

    /// <summary>
    /// <see cref="UntilAsync{T}(Func{T}, Func{T, bool}, string, TimeSpan?)"/> for a caller that is not
    /// async itself: blocks its thread between looks.
    /// </summary>
    public static T Until<T>(Func<T> observe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var patience = timeout ?? Patience;
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var value = observe();
            if (done(value)) return value;
            if (DateTime.UtcNow >= deadline)
                throw new Xunit.Sdk.XunitException(
                    $"timed out after {patience.TotalSeconds:0} s waiting for {what}; last observed: {Show(value)}");
            Thread.Sleep(PollInterval);
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds.</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(condition, held => held, what, timeout);

    /// <summary>Polls <paramref name="condition"/> until it holds.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), held => held, what, timeout);

    private static string Show<T>(T value) => value switch
    {
        null => "nothing",
        string s => $"'{s}'",
        System.Collections.IEnumerable items and not string => items.Cast<object?>().ToList() is var list
            ? $"{list.Count} item(s) [{string.Join(", ", list.Take(20).Select(i => i?.ToString() ?? "null"))}" +
                $"{(list.Count > 20 ? ", ..." : "")}]" : "",
        _ => value.ToString() ?? "",
    };
}
