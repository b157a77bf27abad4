namespace ContestPipeline.Operations.Queries.Balance;

/// <summary>
/// Where the balance is heading: the change per day, by least squares over the readings of the
/// trend window (integers only), and, when it falls, in how many whole days it reaches zero at
/// that rate. Null when the readings span less than the minimum, or are too few.
/// </summary>
public sealed record BalanceTrend(long ChangePerDayMinor, int? DaysToEmpty, int Readings, TimeSpan Span)
{
    public const long SecondsPerDay = 86_400;

    public static BalanceTrend? Of(IReadOnlyList<BalanceReading> readings, DateTimeOffset now,
        BalanceMonitorOptions options)
    {
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentNullException.ThrowIfNull(options);
        var window = readings.Where(r => r.At > now - options.TrendWindow && r.At <= now).OrderBy(r => r.At).ToList();
        if (window.Count < 2) return null;
        var span = window[^1].At - window[0].At;
        if (span < options.TrendSpanMin) return null;
        Int128 n = window.Count, sx = 0, sy = 0, sxx = 0, sxy = 0;
        foreach (var r in window)
        {
            Int128 x = (long)(r.At - window[0].At).TotalSeconds, y = r.AvailableMinor;
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        var denominator = n * sxx - sx * sx;
        if (denominator == 0) return null;
        var perDay = (long)((n * sxy - sx * sy) * SecondsPerDay / denominator);
        var latest = window[^1].AvailableMinor;
        int? days = perDay >= 0 ? null : latest <= 0 ? 0 : (int)Math.Min(int.MaxValue, latest / -perDay);
        return new BalanceTrend(perDay, days, window.Count, span);
    }

    /// <summary>The alert level of a trend that runs out soon: critical, warning, or null.</summary>
    public string? RunsOutLevel(BalanceMonitorOptions options) => RunsOutLevel(DaysToEmpty, options);

    /// <summary>
    /// The alert level of running out in <paramref name="daysToEmpty"/> days: critical, warning, or null.
    /// </summary>
    public static string? RunsOutLevel(int? daysToEmpty, BalanceMonitorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return daysToEmpty switch
        {
            { } d when d <= options.RunsOutCriticalDays => BalanceStatus.Critical,
            { } d when d <= options.RunsOutWarningDays => BalanceStatus.Warning,
            _ => null,
        };
    }
}
