using ContestPipeline.Payout.Disputes;
using ContestPipeline.Plumbing;
using Microsoft.Extensions.Configuration;

namespace ContestPipeline.Payout;

/// <summary>
/// Payout limits and pacing. Amounts are minor units of the payout's currency (the limits
/// are set for the platform's currency). Defaults are the source system's: $10,000 max
/// single payout, review above $5,000, 3 payouts and $25,000 per recipient per rolling
/// 24 hours, $100,000 per calendar month, $1,000 for accounts younger than 30 days; its
/// suspicious patterns held for review (a 5th payout in 24 hours, a payout above 80 % of
/// the recipient's lifetime winnings, a first payout above $2,000); and at least 5 minutes
/// between two payouts to one recipient. Its refund and dispute rules: review of payouts to a recipient with a
/// dispute or outside refund in the last 30 days, and every payout halted after 3 disputes within 24 hours.
/// Each can be set by its setting in <see cref="Settings"/>, e.g.
/// CONTESTPIPELINE_PAYOUT_REVIEW_THRESHOLD_MINOR=50000.
/// </summary>
public sealed record PayoutOptions
{
    public long SingleAmountMaxMinor { get; init; } = 10_000_00;
    public long ReviewThresholdMinor { get; init; } = 5_000_00;
    public int DailyCountMax { get; init; } = 3;
    public long DailyAmountMaxMinor { get; init; } = 25_000_00;
    public long MonthlyAmountMaxMinor { get; init; } = 100_000_00;
    public long NewAccountAmountMaxMinor { get; init; } = 1_000_00;
    public TimeSpan NewAccountAge { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// A payout that would be the recipient's n-th in the rolling 24 hours, n at least this, is held for review.
    /// </summary>
    public int SuspiciousDayCountMin { get; init; } = 5;

    /// <summary>
    /// A payout to a recipient paid before that is more than this share (basis points) of
    /// their lifetime winnings, this payout included, is held for review. 10,000 turns it off.
    /// </summary>
    public int SuspiciousLifetimeShareBp { get; init; } = 8_000;

    /// <summary>A recipient's first payout above this is held for review.</summary>
    public long SuspiciousFirstPayoutMinor { get; init; } = 2_000_00;

    /// <summary>
    /// The least time between two payouts to one recipient; a payout sooner waits (a velocity hold that resumes by
    /// itself).
    /// </summary>
    public TimeSpan RecipientPayoutSpacing { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A payout to a recipient who had a dispute, or a refund made outside the pipeline, on another of their entry
    /// fees this recently is held for review (<see cref="DisputeRules"/>). Zero turns it off.
    /// </summary>
    public TimeSpan RecentChargebackWindow { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// This many disputes (any players', each counted once by its id) within <see cref="DisputeHaltWindow"/> halt
    /// every payout automatically, a halt only two different operators' resumes end. Zero turns it off.
    /// </summary>
    public int DisputeHaltCount { get; init; } = 3;
    public TimeSpan DisputeHaltWindow { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// A release of more than this needs two different approvers (<see cref="Contracts.Payouts.TwoPersonRule"/>).
    /// </summary>
    public long SecondApprovalAboveMinor { get; init; } = Contracts.Payouts.TwoPersonRule.AboveMinorDefault;

    /// <summary>
    /// How long an approval of a release that needs two counts, from when it was given: an approval older than
    /// this is no approval (the hold needs it again).
    /// </summary>
    public TimeSpan ApprovalLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a request for an onboarding link is kept (payout.onboarding_link_requests), answered or not, from when
    /// it was made; older ones are deleted. At least a day: the read API's per-player limit counts requests of a
    /// window of at most a day.
    /// </summary>
    public TimeSpan OnboardingLinkRetention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>How often requests past <see cref="OnboardingLinkRetention"/> are looked for.</summary>
    public TimeSpan OnboardingLinkPurgeInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How often Stripe's transfers and disputes are listed and matched against Payout's records (ReconcileStripeJob).
    /// </summary>
    public TimeSpan ReconcileInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a dispute's own event has to arrive before the reconciliation reads the dispute in its stead.
    /// </summary>
    public TimeSpan ReconcileEventGrace { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a refund may wait for its grounds before an alert names it (AlertUngroundedRefundsJob): Settlement's,
    /// from its order, for the referee's cancel (critical: the two are read from topics written at the same moment, so
    /// a wait this long means a lagging consumer or an order the referee never gave); Ingestion's, from its contest's
    /// lock, for Ingestion's word that the payment made no entry (a warning).
    /// </summary>
    public TimeSpan RefundGroundsWait { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the dispatcher looks for due work when it found none last time.</summary>
    public TimeSpan DispatchInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Most payouts (and refunds) claimed per round (a second of sending at 100/s; the claim's lease is renewed
    /// while it runs). The transfer job reads the balance at most every <see cref="BalanceReuse"/>, not every round:
    /// once a round of 100 was 1 % of the requests.
    /// </summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>
    /// Stripe calls of a round in flight at once (each its own key and its own record). One at a
    /// time, every transfer waits for the previous one's commit, and a busy database leaves the
    /// rate budget idle; the token bucket still paces them all.
    /// </summary>
    public int CallsInFlight { get; init; } = 4;

    /// <summary>
    /// How long a claim keeps other dispatchers off a row. The claiming worker renews it every
    /// third of this while the row's Stripe call (retries included) runs, so another instance
    /// never takes a payout that is mid-call; a worker that dies lets its rows go after this long.
    /// </summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Rounds of retryable failures (each after the client's own bounded retries) before a payout fails for an
    /// operator.
    /// </summary>
    public int RoundsMax { get; init; } = 8;
    public TimeSpan RetryDelayBase { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan RetryDelayMax { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The first wait before a payout Stripe refused for a reason a later attempt can get past (balance_insufficient)
    /// is sent again under a fresh key; each next wait doubles it (5, 10, 20 minutes), for at most
    /// <see cref="RefusalRetriesMax"/> retries.
    /// </summary>
    public TimeSpan RefusalRetryDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Retries after such refusals before the payout fails for an operator.</summary>
    public const int RefusalRetriesMax = 3;

    /// <summary>
    /// How long the transfer job sends on a balance it read, spent down by what it claimed since, before it reads
    /// the balance again. Sooner when it would hold a payout for balance on that figure (a top-up is seen at once)
    /// or Stripe refused a transfer for balance; what other processes spent meanwhile Stripe's refusal tells.
    /// </summary>
    public TimeSpan BalanceReuse { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the read of a transfer a transfer.created (or .updated, .paid) asked about waits for the payout it
    /// names, still being submitted, to record it: most often it is the transfer job's own, announced before its
    /// record committed, and that record answers the read without a request to Stripe. Past this, it is read.
    /// </summary>
    public TimeSpan TransferReadWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often held-for-balance payouts look at the balance again.</summary>
    public TimeSpan BalanceRecheck { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often a payout waiting for an account looks at the recipient again (account.updated resumes it sooner).
    /// </summary>
    public TimeSpan AccountRecheck { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Stripe forgets idempotency keys after 24 hours; an attempt first sent longer ago than
    /// this is looked up by transfer_group and metadata before it is sent again.
    /// </summary>
    public TimeSpan LookupAfter { get; init; } = TimeSpan.FromHours(23);

    /// <summary>Country of the Express accounts made for winners who have none.</summary>
    public string OnboardingCountry { get; init; } = "US";

    /// <summary>Where an onboarding link sends the winner back to (the platform's app).</summary>
    public string OnboardingReturnUrl { get; init; } = "https://contestpipeline.invalid/payouts/onboarded";
    public string OnboardingRefreshUrl { get; init; } = "https://contestpipeline.invalid/payouts/onboarding";

    /// <summary>The setting names, each a constant (a typo cannot fall back to a default silently).</summary>
    public static class Settings
    {
        public const string SingleAmountMaxMinor = "CONTESTPIPELINE_PAYOUT_MAX_SINGLE_MINOR";
        public const string ReviewThresholdMinor = "CONTESTPIPELINE_PAYOUT_REVIEW_THRESHOLD_MINOR";
        public const string DailyCountMax = "CONTESTPIPELINE_PAYOUT_DAILY_COUNT_MAX";
        public const string DailyAmountMaxMinor = "CONTESTPIPELINE_PAYOUT_DAILY_AMOUNT_MAX_MINOR";
        public const string MonthlyAmountMaxMinor = "CONTESTPIPELINE_PAYOUT_MONTHLY_AMOUNT_MAX_MINOR";
        public const string NewAccountAmountMaxMinor = "CONTESTPIPELINE_PAYOUT_NEW_ACCOUNT_MAX_MINOR";
        public const string NewAccountAgeSeconds = "CONTESTPIPELINE_PAYOUT_NEW_ACCOUNT_AGE_SECONDS";
        public const string SuspiciousDayCountMin = "CONTESTPIPELINE_PAYOUT_SUSPICIOUS_DAY_COUNT_MIN";
        public const string SuspiciousLifetimeShareBp = "CONTESTPIPELINE_PAYOUT_SUSPICIOUS_LIFETIME_SHARE_BP";
        public const string SuspiciousFirstPayoutMinor = "CONTESTPIPELINE_PAYOUT_SUSPICIOUS_FIRST_PAYOUT_MINOR";
        public const string RecipientPayoutSpacingSeconds = "CONTESTPIPELINE_PAYOUT_RECIPIENT_PAYOUT_SPACING_SECONDS";
        public const string RecentChargebackDays = "CONTESTPIPELINE_PAYOUT_RECENT_DISPUTE_REVIEW_DAYS";
        public const string DisputeHaltCount = "CONTESTPIPELINE_PAYOUT_DISPUTE_HALT_COUNT";
        public const string DisputeHaltWindowSeconds = "CONTESTPIPELINE_PAYOUT_DISPUTE_HALT_WINDOW_SECONDS";
        public const string RoundsMax = "CONTESTPIPELINE_PAYOUT_ROUNDS_MAX";
        public const string RetryDelayBaseMs = "CONTESTPIPELINE_PAYOUT_RETRY_DELAY_BASE_MS";
        public const string RefusalRetryDelayMs = "CONTESTPIPELINE_PAYOUT_REFUSAL_RETRY_DELAY_MS";
        public const string BalanceRecheckMs = "CONTESTPIPELINE_PAYOUT_BALANCE_RECHECK_MS";
        public const string BalanceReuseMs = "CONTESTPIPELINE_PAYOUT_BALANCE_REUSE_MS";
        public const string TransferReadWaitMs = "CONTESTPIPELINE_PAYOUT_TRANSFER_READ_WAIT_MS";
        public const string AccountRecheckMs = "CONTESTPIPELINE_PAYOUT_ACCOUNT_RECHECK_MS";
        public const string LeaseMs = "CONTESTPIPELINE_PAYOUT_LEASE_MS";
        public const string ReconcileIntervalMs = "CONTESTPIPELINE_PAYOUT_RECONCILE_INTERVAL_MS";
        public const string ReconcileEventGraceMs = "CONTESTPIPELINE_PAYOUT_RECONCILE_EVENT_GRACE_MS";
        public const string RefundGroundsWaitMs = "CONTESTPIPELINE_PAYOUT_REFUND_GROUNDS_WAIT_MS";
        public const string ApprovalLifetimeSeconds = "CONTESTPIPELINE_PAYOUT_APPROVAL_LIFETIME_SECONDS";
        public const string OnboardingLinkRetentionSeconds = "CONTESTPIPELINE_PAYOUT_ONBOARDING_LINK_RETENTION_SECONDS";
    }

    /// <summary>Amounts above this are refused as settings: 100,000,000.00 in a two-digit currency.</summary>
    public const long AmountSettingMaxMinor = 10_000_000_000;

    /// <summary>The options with any overrides from the settings; a bad value is a start-up error naming it.</summary>
    public static PayoutOptions Read(IConfiguration? configuration)
    {
        var o = new PayoutOptions();
        return o with
        {
            SingleAmountMaxMinor = Setting.Long(configuration, Settings.SingleAmountMaxMinor, o.SingleAmountMaxMinor,
                1, AmountSettingMaxMinor),
            ReviewThresholdMinor = Setting.Long(configuration, Settings.ReviewThresholdMinor, o.ReviewThresholdMinor,
                0, AmountSettingMaxMinor),
            DailyCountMax = Setting.Int(configuration, Settings.DailyCountMax, o.DailyCountMax, 1, 1_000_000),
            DailyAmountMaxMinor = Setting.Long(configuration, Settings.DailyAmountMaxMinor, o.DailyAmountMaxMinor,
                1, AmountSettingMaxMinor),
            MonthlyAmountMaxMinor = Setting.Long(configuration, Settings.MonthlyAmountMaxMinor, o.MonthlyAmountMaxMinor,
                1, AmountSettingMaxMinor),
            NewAccountAmountMaxMinor = Setting.Long(configuration, Settings.NewAccountAmountMaxMinor,
                o.NewAccountAmountMaxMinor, 0, AmountSettingMaxMinor),
            SecondApprovalAboveMinor = Setting.Long(configuration, Contracts.Payouts.TwoPersonRule.Setting,
                o.SecondApprovalAboveMinor, 0, AmountSettingMaxMinor),
            OnboardingLinkRetention = Setting.Seconds(configuration, Settings.OnboardingLinkRetentionSeconds,
                o.OnboardingLinkRetention, TimeSpan.FromDays(1), TimeSpan.FromDays(3_650)),
            ApprovalLifetime = Setting.Seconds(configuration, Settings.ApprovalLifetimeSeconds, o.ApprovalLifetime,
                TimeSpan.FromSeconds(1), TimeSpan.FromDays(30)),
            NewAccountAge = Setting.Seconds(configuration, Settings.NewAccountAgeSeconds, o.NewAccountAge,
                TimeSpan.Zero, TimeSpan.FromDays(3_650)),
            SuspiciousDayCountMin = Setting.Int(configuration, Settings.SuspiciousDayCountMin,
                o.SuspiciousDayCountMin, 1, 1_000_000),
            SuspiciousLifetimeShareBp = Setting.Int(configuration, Settings.SuspiciousLifetimeShareBp,
                o.SuspiciousLifetimeShareBp, 1, 10_000),
            SuspiciousFirstPayoutMinor = Setting.Long(configuration, Settings.SuspiciousFirstPayoutMinor,
                o.SuspiciousFirstPayoutMinor, 0, AmountSettingMaxMinor),
            RecipientPayoutSpacing = Setting.Seconds(configuration, Settings.RecipientPayoutSpacingSeconds,
                o.RecipientPayoutSpacing, TimeSpan.Zero, TimeSpan.FromDays(1)),
            RecentChargebackWindow = TimeSpan.FromDays(Setting.Int(configuration, Settings.RecentChargebackDays,
                (int)o.RecentChargebackWindow.TotalDays, 0, 3_650)),
            DisputeHaltCount = Setting.Int(configuration, Settings.DisputeHaltCount, o.DisputeHaltCount, 0, 1_000_000),
            DisputeHaltWindow = Setting.Seconds(configuration, Settings.DisputeHaltWindowSeconds, o.DisputeHaltWindow,
                TimeSpan.FromSeconds(1), TimeSpan.FromDays(365)),
            RoundsMax = Setting.Int(configuration, Settings.RoundsMax, o.RoundsMax, 1, 100),
            RetryDelayBase = Setting.Milliseconds(configuration, Settings.RetryDelayBaseMs, o.RetryDelayBase,
                TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)),
            RefusalRetryDelay = Setting.Milliseconds(configuration, Settings.RefusalRetryDelayMs, o.RefusalRetryDelay,
                TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)),
            BalanceRecheck = Setting.Milliseconds(configuration, Settings.BalanceRecheckMs, o.BalanceRecheck,
                TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)),
            BalanceReuse = Setting.Milliseconds(configuration, Settings.BalanceReuseMs, o.BalanceReuse,
                TimeSpan.Zero, TimeSpan.FromHours(1)),
            TransferReadWait = Setting.Milliseconds(configuration, Settings.TransferReadWaitMs, o.TransferReadWait,
                TimeSpan.Zero, TimeSpan.FromHours(1)),
            AccountRecheck = Setting.Milliseconds(configuration, Settings.AccountRecheckMs, o.AccountRecheck,
                TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)),
            Lease = Setting.Milliseconds(configuration, Settings.LeaseMs, o.Lease,
                TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            ReconcileInterval = Setting.Milliseconds(configuration, Settings.ReconcileIntervalMs, o.ReconcileInterval,
                TimeSpan.FromMilliseconds(200), TimeSpan.FromDays(1)),
            ReconcileEventGrace = Setting.Milliseconds(configuration, Settings.ReconcileEventGraceMs,
                o.ReconcileEventGrace, TimeSpan.Zero, TimeSpan.FromDays(1)),
            RefundGroundsWait = Setting.Milliseconds(configuration, Settings.RefundGroundsWaitMs, o.RefundGroundsWait,
                TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(7)),
        };
    }
}
