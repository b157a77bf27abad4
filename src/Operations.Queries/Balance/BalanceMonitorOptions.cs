using ContestPipeline.Contracts;
using ContestPipeline.Plumbing;
using Microsoft.Extensions.Configuration;

namespace ContestPipeline.Operations.Queries.Balance;

/// <summary>
/// The balance monitor's levels and trend, in minor units of the platform's currency: read by the
/// operations worker, which judges each snapshot by them, and by the console and cpctl, which show
/// them. Defaults are seed 003's levels (critical below 1,000.00, warning below 5,000.00, healthy
/// from 10,000.00, a reserve of 1.2× obligations), and the trend's alert when the balance would run
/// out within 7 days at the rate of the last 7 days (critical within 2). How often a snapshot is
/// taken is the worker's setting alone.
/// </summary>
public sealed record BalanceMonitorOptions
{
    public string Currency { get; init; } = "USD";
    public long CriticalBelowMinor { get; init; } = 1_000_00;
    public long WarningBelowMinor { get; init; } = 5_000_00;
    public long HealthyFromMinor { get; init; } = 10_000_00;
    /// <summary>How far back the trend looks.</summary>
    public TimeSpan TrendWindow { get; init; } = TimeSpan.FromDays(7);
    /// <summary>
    /// The shortest span of snapshots a trend is drawn from: a rate from two close readings is noise.
    /// </summary>
    public TimeSpan TrendSpanMin { get; init; } = TimeSpan.FromHours(6);
    public int RunsOutWarningDays { get; init; } = 7;
    public int RunsOutCriticalDays { get; init; } = 2;

    /// <summary>A fall faster than this a day (the trend's slope) is alerted whatever the balance: 1,000.00.</summary>
    public long DecliningAlertMinorPerDay { get; init; } = 1_000_00;

    public static class Settings
    {
        public const string Currency = "CONTESTPIPELINE_PLATFORM_CURRENCY";
        public const string CriticalBelowMinor = "CONTESTPIPELINE_BALANCE_CRITICAL_BELOW_MINOR";
        public const string WarningBelowMinor = "CONTESTPIPELINE_BALANCE_WARNING_BELOW_MINOR";
        public const string HealthyFromMinor = "CONTESTPIPELINE_BALANCE_HEALTHY_FROM_MINOR";
        public const string TrendWindowHours = "CONTESTPIPELINE_BALANCE_TREND_WINDOW_HOURS";
        public const string TrendSpanMinSeconds = "CONTESTPIPELINE_BALANCE_TREND_SPAN_MIN_SECONDS";
        public const string RunsOutWarningDays = "CONTESTPIPELINE_BALANCE_RUNS_OUT_WARNING_DAYS";
        public const string RunsOutCriticalDays = "CONTESTPIPELINE_BALANCE_RUNS_OUT_CRITICAL_DAYS";
        public const string DecliningAlertMinorPerDay = "CONTESTPIPELINE_BALANCE_DECLINING_ALERT_MINOR_PER_DAY";
    }

    public static BalanceMonitorOptions Read(IConfiguration? configuration)
    {
        var o = new BalanceMonitorOptions();
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
            TrendWindow = TimeSpan.FromHours(
                Setting.Long(configuration, Settings.TrendWindowHours, (long)o.TrendWindow.TotalHours, 1, 24 * 90)),
            TrendSpanMin = Setting.Seconds(configuration, Settings.TrendSpanMinSeconds, o.TrendSpanMin,
                TimeSpan.FromSeconds(1), TimeSpan.FromDays(30)),
            RunsOutWarningDays = (int)Setting.Long(configuration, Settings.RunsOutWarningDays, o.RunsOutWarningDays, 0,
                365),
            RunsOutCriticalDays = (int)Setting.Long(configuration, Settings.RunsOutCriticalDays, o.RunsOutCriticalDays,
                0, 365),
            DecliningAlertMinorPerDay = Setting.Long(configuration, Settings.DecliningAlertMinorPerDay,
                o.DecliningAlertMinorPerDay, 1, 10_000_000_000),
        };
    }
}
