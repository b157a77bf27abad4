using ContestPipeline.Contracts;
using ContestPipeline.Plumbing;
using Microsoft.Extensions.Configuration;

namespace ContestPipeline.Operations.Queries.Domain;

/// <summary>
/// The balance monitor's settings, in minor units of the platform's currency. Defaults are seed
/// 003's levels (critical below 1,000.00, warning below 5,000.00, healthy from 10,000.00, a
/// reserve of 1.2× obligations), a snapshot every hour, and the trend's alert when the balance
/// would run out within 7 days at the rate of the last 7 days (critical within 2).
/// </summary>
public sealed record OperationsOptions
{
    public string Currency { get; init; } = "USD";
    public long CriticalBelowMinor { get; init; } = 1_000_00;
    public long WarningBelowMinor { get; init; } = 5_000_00;
    public long HealthyFromMinor { get; init; } = 10_000_00;
    public TimeSpan SnapshotInterval { get; init; } = TimeSpan.FromHours(1);
    /// <summary>How far back the trend looks.</summary>
    public TimeSpan TrendWindow { get; init; } = TimeSpan.FromDays(7);
    /// <summary>
    /// The shortest span of snapshots a trend is drawn from: a rate from two close readings is noise.
    /// </summary>
    public TimeSpan TrendSpanMin { get; init; } = TimeSpan.FromHours(6);
    public int RunsOutWarningDays { get; init; } = 7;
    public int RunsOutCriticalDays { get; init; } = 2;

    public static class Settings
    {
        public const string Currency = "CONTESTPIPELINE_PLATFORM_CURRENCY";
        public const string CriticalBelowMinor = "CONTESTPIPELINE_BALANCE_CRITICAL_BELOW_MINOR";
        public const string WarningBelowMinor = "CONTESTPIPELINE_BALANCE_WARNING_BELOW_MINOR";
        public const string HealthyFromMinor = "CONTESTPIPELINE_BALANCE_HEALTHY_FROM_MINOR";
        public const string SnapshotIntervalSeconds = "CONTESTPIPELINE_BALANCE_SNAPSHOT_SECONDS";
        public const string TrendWindowHours = "CONTESTPIPELINE_BALANCE_TREND_WINDOW_HOURS";
        public const string TrendSpanMinSeconds = "CONTESTPIPELINE_BALANCE_TREND_SPAN_MIN_SECONDS";
        public const string RunsOutWarningDays = "CONTESTPIPELINE_BALANCE_RUNS_OUT_WARNING_DAYS";
        public const string RunsOutCriticalDays = "CONTESTPIPELINE_BALANCE_RUNS_OUT_CRITICAL_DAYS";
    }

    public static OperationsOptions Read(IConfiguration? configuration)
    {
        var o = new OperationsOptions();
        var currency = Setting.Text(configuration, Settings.Currency) ?? o.Currency;
        if (!Contracts.Currency.TryParse(currency, out _))
            throw new StartupException($"{Settings.Currency}: '{currency}' is not a supported currency " +
                $"({string.Join(", ", Contracts.Currency.Supported)})");
        return o with
        {
            Currency = currency,
            CriticalBelowMinor = Setting.Long(configuration, Settings.CriticalBelowMinor, o.CriticalBelowMinor, 0,
                10_000_000_000),
            WarningBelowMinor = Setting.Long(configuration, Settings.WarningBelowMinor, o.WarningBelowMinor, 0,
                10_000_000_000),
            HealthyFromMinor = Setting.Long(configuration, Settings.HealthyFromMinor, o.HealthyFromMinor, 0,
                10_000_000_000),
            SnapshotInterval = Setting.Seconds(configuration, Settings.SnapshotIntervalSeconds, o.SnapshotInterval,
                TimeSpan.FromSeconds(1),
                TimeSpan.FromDays(1)),
            TrendWindow = TimeSpan.FromHours(
                Setting.Long(configuration, Settings.TrendWindowHours, (long)o.TrendWindow.TotalHours, 1, 24 * 90)),
            TrendSpanMin = Setting.Seconds(configuration, Settings.TrendSpanMinSeconds, o.TrendSpanMin,
                TimeSpan.FromSeconds(1), TimeSpan.FromDays(30)),
            RunsOutWarningDays = (int)Setting.Long(configuration, Settings.RunsOutWarningDays, o.RunsOutWarningDays, 0,
                365),
            RunsOutCriticalDays = (int)Setting.Long(configuration, Settings.RunsOutCriticalDays, o.RunsOutCriticalDays,
                0, 365),
        };
    }
}

/// <summary>
/// The balance against obligations, and where that stands: seed 003's levels exactly, in the
/// order they are checked. Depleted: at or below zero. Critical: below the critical amount
/// (1,000.00) or below 50 % of the reserve. Warning: below the warning amount (5,000.00) or below
/// 80 % of the reserve. Healthy: at or above the healthy amount (10,000.00) and at or above 100 %
/// of the reserve. The seed names no level for what lies between warning and healthy (5,000.00 to
/// 10,000.00, or 80 % to 100 % of the reserve): here it is <see cref="Low"/>, shown and not alerted.
/// The reserve is 1.2 × obligations (prizes and refunds ordered and not yet paid).
/// </summary>
public static class BalanceStatus
{
    public const string Healthy = "healthy";
    public const string Low = "low";
    public const string Warning = "warning";
    public const string Critical = "critical";
    public const string Depleted = "depleted";

    /// <summary>The reserve to keep: 1.2 × obligations, rounded up to the minor unit.</summary>
    public static long Reserve(long obligationsMinor) => checked((obligationsMinor * 6 + 4) / 5);

    public static string Of(long availableMinor, long obligationsMinor, OperationsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var reserve = (Int128)Reserve(obligationsMinor);
        Int128 available = availableMinor;
        if (availableMinor <= 0) return Depleted;
        if (availableMinor < options.CriticalBelowMinor || available * 2 < reserve) return Critical;
        if (availableMinor < options.WarningBelowMinor || available * 5 < reserve * 4) return Warning;
        if (availableMinor >= options.HealthyFromMinor && available >= reserve) return Healthy;
        return Low;
    }

    /// <summary>How serious a level is: alerts are raised on a change into warning (1) or worse.</summary>
    public static int Rank(string status) => status switch { Warning => 1, Critical => 2, Depleted => 3, _ => 0 };
}

/// <summary>A balance reading: when, and how much was available.</summary>
public readonly record struct BalanceReading(DateTimeOffset At, long AvailableMinor);

/// <summary>
/// Where the balance is heading: the change per day, by least squares over the readings of the
/// trend window (integers only), and, when it falls, in how many whole days it reaches zero at
/// that rate. Null when the readings span less than the minimum, or are too few.
/// </summary>
public sealed record BalanceTrend(long ChangePerDayMinor, int? DaysToEmpty, int Readings, TimeSpan Span)
{
    public const long SecondsPerDay = 86_400;

    public static BalanceTrend? Of(IReadOnlyList<BalanceReading> readings, DateTimeOffset now,
        OperationsOptions options)
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
    public string? RunsOutLevel(OperationsOptions options) => RunsOutLevel(DaysToEmpty, options);

    /// <summary>
    /// The alert level of running out in <paramref name="daysToEmpty"/> days: critical, warning, or null.
    /// </summary>
    public static string? RunsOutLevel(int? daysToEmpty, OperationsOptions options)
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

/// <summary>
/// The tax year's reporting flag: a recipient whose prizes paid in a calendar year (UTC) reach the
/// threshold (600.00 by default, the US 1099 line) is reportable.
/// </summary>
public static class TaxReporting
{
    /// <summary>US reporting of prize winnings starts at 600.00 a year.</summary>
    public const long ThresholdDefault = 600_00;
    public const string ThresholdSetting = "CONTESTPIPELINE_TAX_REPORTING_THRESHOLD_MINOR";

    public static bool Reportable(long paidInYearMinor, long thresholdMinor) => paidInYearMinor >= thresholdMinor;

    /// <summary>The CSV of a tax year, as the console downloads it and cpctl writes it.</summary>
    public static string Csv(int year, IEnumerable<Store.TaxRow> rows, long thresholdMinor)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var csv = new System.Text.StringBuilder("year,player_id,currency,paid_minor,fees_minor,payouts,reportable\n");
        foreach (var r in rows)
            csv.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"{year},{CsvField(r.PlayerId)},{r.Currency},{r.PaidMinor},{r.FeesMinor},{r.Payouts}," +
                $"{(Reportable(r.PaidMinor, thresholdMinor) ? "yes" : "no")}\n");
        return csv.ToString();
    }

    /// <summary>A CSV field, quoted when it must be, and never read as a formula by a spreadsheet.</summary>
    public static string CsvField(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && "=+-@".Contains(value[0], StringComparison.Ordinal)) value = "'" + value;
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" +
            value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
