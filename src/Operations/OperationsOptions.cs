using ContestPipeline.Operations.Queries.Balance;
using ContestPipeline.Plumbing;
using Microsoft.Extensions.Configuration;

namespace ContestPipeline.Operations;

/// <summary>
/// The operations worker's settings: how often it takes a snapshot of the platform's balance (every hour by
/// default), and the levels and trend it judges each snapshot by, which the console and cpctl read too
/// (<see cref="BalanceMonitorOptions"/>).
/// </summary>
public sealed record OperationsOptions
{
    public BalanceMonitorOptions BalanceMonitor { get; init; } = new();
    public TimeSpan SnapshotInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Warning and critical alerts of one source emailed to the operators in one hour (Alerts/AlertRaisedHandler). The
    /// busiest hour of a real incident (a Stripe outage: a payout held per contest, a lag alert per consumer) stays
    /// well under the default.
    /// </summary>
    public int AlertEmailsPerSourcePerHour { get; init; } = 50;

    public static class Settings
    {
        public const string SnapshotIntervalSeconds = "CONTESTPIPELINE_BALANCE_SNAPSHOT_SECONDS";
        public const string AlertEmailsPerSourcePerHour = "CONTESTPIPELINE_ALERT_EMAILS_PER_SOURCE_PER_HOUR";
    }

    public static OperationsOptions Read(IConfiguration? configuration)
    {
        var o = new OperationsOptions();
        return o with
        {
            BalanceMonitor = BalanceMonitorOptions.Read(configuration),
            SnapshotInterval = Setting.Seconds(configuration, Settings.SnapshotIntervalSeconds, o.SnapshotInterval,
                TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
            AlertEmailsPerSourcePerHour = Setting.Int(configuration, Settings.AlertEmailsPerSourcePerHour,
                o.AlertEmailsPerSourcePerHour, 1, 10_000),
        };
    }
}
