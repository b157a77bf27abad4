using ContestPipeline.Plumbing;
using Microsoft.Extensions.Configuration;

namespace ContestPipeline.Ingestion;

/// <summary>
/// How Ingestion judges when an entry was made and waits for payments. An entry is on time when
/// the entry API accepted it before lockAt and its record reached the broker no later than lockAt
/// + <see cref="LockSkew"/>; it is never late because Ingestion was busy. Payments are known from
/// Stripe's signed events; a submission whose payment has no event after
/// <see cref="PaymentEventWait"/> is looked up with a GET, within Ingestion's share of the Stripe
/// budget. Entries close (EntriesClosed) once every on-time submission is decided, however long
/// that takes: nothing on time is refused for being slow. A contest still waiting at lockAt +
/// <see cref="CloseWaitAlertAfter"/> raises an alert saying what it waits for.
/// </summary>
public sealed record IngestionOptions
{
    /// <summary>
    /// Ingestion's default share of the Stripe account's requests (<see cref="Stripe.StripeBudget"/>):
    /// it asks Stripe only when an event is late, so Payout keeps most of it (20 + 5 = test mode's 25/s).
    /// </summary>
    public const int StripeRequestsPerSecondDefault = 5;

    public TimeSpan LockSkew { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan PaymentEventWait { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long after their closing time entries may stay open, waiting for decisions, before an
    /// operator is told.
    /// </summary>
    public TimeSpan CloseWaitAlertAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>PaymentIntents fetched per round of the fallback, and how many at once.</summary>
    public int FetchBatchSize { get; init; } = 100;
    public int FetchConcurrency { get; init; } = 8;

    /// <summary>
    /// How long a claimed fetch keeps other rounds off a submission; a failed fetch (or a dead
    /// worker) lets go after it.
    /// </summary>
    public TimeSpan FetchLease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Submissions decided per contest per transaction.</summary>
    public int DecideBatchSize { get; init; } = 2_000;

    /// <summary>
    /// How often the reconciliation runs (daily), and how long after a payment succeeded it may
    /// be refunded as never entered (once its contest can no longer take it).
    /// </summary>
    public TimeSpan ReconcileInterval { get; init; } = TimeSpan.FromDays(1);
    public TimeSpan ReconcileGrace { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long an operator's request to cancel a contest with paid entries counts (<see cref="CancelApprovals"/>):
    /// a second operator's cancel applies only while the first's is younger than this.
    /// </summary>
    public TimeSpan CancelApprovalLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Responsible-gaming defaults (<see cref="Rules.Players.LimitRules"/>): a player's entry fees are limited to
    /// 1,000.00 a day (100,000 minor units, seed 002's daily limit) unless the player set a limit; no monthly limit
    /// unless one is set; a raised limit takes effect 24 hours after it was asked for.
    /// </summary>
    public Rules.Players.LimitDefaults Limits { get; init; } = new(DailyMinor: 100_000, MonthlyMinor: null,
        RaiseWait: TimeSpan.FromHours(24));

    public static class Settings
    {
        public const string LockSkewMs = "CONTESTPIPELINE_INGESTION_LOCK_SKEW_MS";
        public const string PaymentEventWaitMs = "CONTESTPIPELINE_INGESTION_PAYMENT_EVENT_WAIT_MS";
        public const string CloseWaitAlertMs = "CONTESTPIPELINE_INGESTION_CLOSE_WAIT_ALERT_MS";
        public const string FetchConcurrency = "CONTESTPIPELINE_INGESTION_FETCH_CONCURRENCY";
        public const string FetchLeaseMs = "CONTESTPIPELINE_INGESTION_FETCH_LEASE_MS";
        public const string DecideBatchMax = "CONTESTPIPELINE_INGESTION_DECIDE_BATCH_MAX";
        public const string ReconcileIntervalMs = "CONTESTPIPELINE_INGESTION_RECONCILE_INTERVAL_MS";
        public const string ReconcileGraceMs = "CONTESTPIPELINE_INGESTION_RECONCILE_GRACE_MS";
        public const string CancelApprovalLifetimeMs = "CONTESTPIPELINE_INGESTION_CANCEL_APPROVAL_LIFETIME_MS";
        public const string DailyEntryFeeLimitMinor = "CONTESTPIPELINE_INGESTION_DAILY_ENTRY_FEE_LIMIT_MINOR";
        public const string MonthlyEntryFeeLimitMinor = "CONTESTPIPELINE_INGESTION_MONTHLY_ENTRY_FEE_LIMIT_MINOR";
        public const string LimitRaiseWaitMs = "CONTESTPIPELINE_INGESTION_LIMIT_RAISE_WAIT_MS";
    }

    public static IngestionOptions Read(IConfiguration? configuration)
    {
        var o = new IngestionOptions();
        TimeSpan Ms(string name, TimeSpan fallback, TimeSpan min, TimeSpan max) =>
            Setting.Milliseconds(configuration, name, fallback, min, max);
        return o with
        {
            LockSkew = Ms(Settings.LockSkewMs, o.LockSkew, TimeSpan.Zero, TimeSpan.FromMinutes(1)),
            PaymentEventWait = Ms(Settings.PaymentEventWaitMs, o.PaymentEventWait, TimeSpan.Zero,
                TimeSpan.FromMinutes(10)),
            CloseWaitAlertAfter = Ms(Settings.CloseWaitAlertMs, o.CloseWaitAlertAfter, TimeSpan.Zero,
                TimeSpan.FromDays(1)),
            FetchConcurrency = Setting.Int(configuration, Settings.FetchConcurrency, o.FetchConcurrency, 1, 64),
            FetchLease = Ms(Settings.FetchLeaseMs, o.FetchLease, TimeSpan.FromMilliseconds(100),
                TimeSpan.FromMinutes(10)),
            DecideBatchSize = Setting.Int(configuration, Settings.DecideBatchMax, o.DecideBatchSize, 1, 10_000),
            ReconcileInterval = Ms(Settings.ReconcileIntervalMs, o.ReconcileInterval, TimeSpan.FromMilliseconds(100),
                TimeSpan.FromDays(7)),
            ReconcileGrace = Ms(Settings.ReconcileGraceMs, o.ReconcileGrace, TimeSpan.Zero, TimeSpan.FromDays(30)),
            CancelApprovalLifetime = Ms(Settings.CancelApprovalLifetimeMs, o.CancelApprovalLifetime,
                TimeSpan.FromSeconds(1), TimeSpan.FromDays(30)),
            Limits = new Rules.Players.LimitDefaults(
                Setting.Long(configuration, Settings.DailyEntryFeeLimitMinor, o.Limits.DailyMinor, 0,
                    Rules.Players.LimitRules.LimitMinorMax),
                Setting.Text(configuration, Settings.MonthlyEntryFeeLimitMinor) is null ? o.Limits.MonthlyMinor
                    : Setting.Long(configuration, Settings.MonthlyEntryFeeLimitMinor, 0, 0,
                        Rules.Players.LimitRules.LimitMinorMax),
                Ms(Settings.LimitRaiseWaitMs, o.Limits.RaiseWait, TimeSpan.Zero, TimeSpan.FromDays(30))),
        };
    }
}
