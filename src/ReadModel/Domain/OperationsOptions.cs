using ContestPipeline.Contracts;
using ContestPipeline.Plumbing;
using Microsoft.Extensions.Configuration;

namespace ContestPipeline.ReadModel.Domain;

/// <summary>
/// The balance monitor's settings (seed defaults: critical below 1,000.00, warning below
/// 5,000.00, a reserve of 1.2× obligations, a snapshot every hour), in minor units of the
/// platform's currency.
/// </summary>
public sealed record OperationsOptions
{
    public string Currency { get; init; } = "USD";
    public long CriticalBelowMinor { get; init; } = 1_000_00;
    public long WarningBelowMinor { get; init; } = 5_000_00;
    public TimeSpan SnapshotInterval { get; init; } = TimeSpan.FromHours(1);

    public static class Settings
    {
        public const string Currency = "CONTESTPIPELINE_PLATFORM_CURRENCY";
        public const string CriticalBelowMinor = "CONTESTPIPELINE_BALANCE_CRITICAL_BELOW_MINOR";
        public const string WarningBelowMinor = "CONTESTPIPELINE_BALANCE_WARNING_BELOW_MINOR";
        public const string SnapshotIntervalSeconds = "CONTESTPIPELINE_BALANCE_SNAPSHOT_SECONDS";
    }

    public static OperationsOptions Read(IConfiguration? configuration)
    {
        var o = new OperationsOptions();
        var currency = Setting.Text(configuration, Settings.Currency) ?? o.Currency;
        if (!Contracts.Currency.TryParse(currency, out _))
            throw new StartupException($"{Settings.Currency}: '{currency}' is not a supported currency ({string.Join(", ", Contracts.Currency.Supported)})");
        return o with
        {
            Currency = currency,
            CriticalBelowMinor = Setting.Long(configuration, Settings.CriticalBelowMinor, o.CriticalBelowMinor, 0, 10_000_000_000),
            WarningBelowMinor = Setting.Long(configuration, Settings.WarningBelowMinor, o.WarningBelowMinor, 0, 10_000_000_000),
            SnapshotInterval = Setting.Seconds(configuration, Settings.SnapshotIntervalSeconds, o.SnapshotInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
        };
    }
}

/// <summary>The balance against obligations, and where that stands (seed: payouts v2's thresholds).</summary>
public static class BalanceStatus
{
    public const string Healthy = "healthy";
    public const string Warning = "warning";
    public const string Critical = "critical";
    public const string Depleted = "depleted";

    /// <summary>The reserve to keep: 1.2 × obligations, rounded up to the minor unit.</summary>
    public static long Reserve(long obligationsMinor) => checked((obligationsMinor * 6 + 4) / 5);

    /// <summary>
    /// Depleted at or below zero; critical below the critical amount or half the reserve;
    /// warning below the warning amount or the reserve; healthy otherwise.
    /// </summary>
    public static string Of(long availableMinor, long obligationsMinor, OperationsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var reserve = Reserve(obligationsMinor);
        if (availableMinor <= 0 && (obligationsMinor > 0 || options.CriticalBelowMinor > 0)) return Depleted;
        if (availableMinor < options.CriticalBelowMinor || checked(availableMinor * 2) < reserve) return Critical;
        if (availableMinor < options.WarningBelowMinor || availableMinor < reserve) return Warning;
        return Healthy;
    }

    public static int Rank(string status) => status switch { Healthy => 0, Warning => 1, Critical => 2, Depleted => 3, _ => 0 };
}
