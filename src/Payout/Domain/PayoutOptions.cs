using ContestPipeline.Plumbing;

namespace ContestPipeline.Payout.Domain;

/// <summary>
/// Payout limits and pacing. Amounts are minor units of the payout's currency (the limits
/// are set for the platform's currency). Defaults are the source system's: $10,000 max
/// single payout, review above $5,000, 3 payouts and $25,000 per recipient per rolling
/// 24 hours, $100,000 per calendar month, $1,000 for accounts younger than 30 days.
/// Each can be set from the environment as CONTESTPIPELINE_PAYOUT_&lt;NAME&gt;, e.g.
/// CONTESTPIPELINE_PAYOUT_REVIEW_THRESHOLD_MINOR=50000.
/// </summary>
public sealed record PayoutOptions
{
    public const string VariablePrefix = "CONTESTPIPELINE_PAYOUT_";

    public long MaxSingleMinor { get; init; } = 10_000_00;
    public long ReviewThresholdMinor { get; init; } = 5_000_00;
    public int DailyCountMax { get; init; } = 3;
    public long DailyAmountMaxMinor { get; init; } = 25_000_00;
    public long MonthlyAmountMaxMinor { get; init; } = 100_000_00;
    public long NewAccountMaxMinor { get; init; } = 1_000_00;
    public TimeSpan NewAccountAge { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How often the dispatcher looks for due work when it found none last time.</summary>
    public TimeSpan DispatchInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Most payouts (and refunds) claimed per round.</summary>
    public int BatchSize { get; init; } = 50;

    /// <summary>How long a claim keeps other dispatchers off a row while its Stripe call runs.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Rounds of retryable failures (each after the client's own bounded retries) before a payout fails for an operator.</summary>
    public int RoundsMax { get; init; } = 8;
    public TimeSpan RetryDelayBase { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan RetryDelayMax { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often held-for-balance payouts look at the balance again.</summary>
    public TimeSpan BalanceRecheck { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a payout waiting for an account looks at the recipient again (account.updated resumes it sooner).</summary>
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

    /// <summary>The options, with any CONTESTPIPELINE_PAYOUT_* overrides; a bad value is a start-up error naming it.</summary>
    public static PayoutOptions FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        var o = new PayoutOptions();
        return o with
        {
            MaxSingleMinor = Long(read, "MAX_SINGLE_MINOR", o.MaxSingleMinor),
            ReviewThresholdMinor = Long(read, "REVIEW_THRESHOLD_MINOR", o.ReviewThresholdMinor),
            DailyCountMax = (int)Long(read, "DAILY_COUNT_MAX", o.DailyCountMax),
            DailyAmountMaxMinor = Long(read, "DAILY_AMOUNT_MAX_MINOR", o.DailyAmountMaxMinor),
            MonthlyAmountMaxMinor = Long(read, "MONTHLY_AMOUNT_MAX_MINOR", o.MonthlyAmountMaxMinor),
            NewAccountMaxMinor = Long(read, "NEW_ACCOUNT_MAX_MINOR", o.NewAccountMaxMinor),
            NewAccountAge = TimeSpan.FromSeconds(Long(read, "NEW_ACCOUNT_AGE_SECONDS", (long)o.NewAccountAge.TotalSeconds)),
            RoundsMax = (int)Long(read, "ROUNDS_MAX", o.RoundsMax),
            RetryDelayBase = TimeSpan.FromMilliseconds(Long(read, "RETRY_DELAY_BASE_MS", (long)o.RetryDelayBase.TotalMilliseconds)),
            BalanceRecheck = TimeSpan.FromMilliseconds(Long(read, "BALANCE_RECHECK_MS", (long)o.BalanceRecheck.TotalMilliseconds)),
            AccountRecheck = TimeSpan.FromMilliseconds(Long(read, "ACCOUNT_RECHECK_MS", (long)o.AccountRecheck.TotalMilliseconds)),
            Lease = TimeSpan.FromMilliseconds(Long(read, "LEASE_MS", (long)o.Lease.TotalMilliseconds)),
        };
    }

    private static long Long(Func<string, string?> read, string name, long fallback)
    {
        var text = read(VariablePrefix + name);
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
            || value > int.MaxValue * 1000L)
            throw new StartupException($"payout: {VariablePrefix}{name}='{text}' is not a non-negative whole number");
        return value;
    }
}
