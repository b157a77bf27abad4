using ContestPipeline.Payout;

namespace ContestPipeline.Local.Processes;

/// <summary>
/// Payout's settings for local runs that are about faults or rates, not limits: no prize waits
/// for an operator, a recipient's spacing or a count, so what is measured is the pipeline.
/// </summary>
public static class PayoutLimitsOff
{
    public static IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        [PayoutOptions.Settings.ReviewThresholdMinor] = "100000000",
        [PayoutOptions.Settings.DailyCountMax] = "1000000",
        [PayoutOptions.Settings.DailyAmountMaxMinor] = "10000000000",
        [PayoutOptions.Settings.MonthlyAmountMaxMinor] = "10000000000",
        [PayoutOptions.Settings.NewAccountAmountMaxMinor] = "10000000000",
        [PayoutOptions.Settings.SuspiciousDayCountMin] = "1000000",
        [PayoutOptions.Settings.SuspiciousLifetimeShareBp] = "10000",
        [PayoutOptions.Settings.SuspiciousFirstPayoutMinor] = "100000000",
        [PayoutOptions.Settings.RecipientPayoutSpacingSeconds] = "0",
    };
}
