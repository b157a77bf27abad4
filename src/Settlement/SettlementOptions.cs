using ContestPipeline.Plumbing;
using Microsoft.Extensions.Configuration;

namespace ContestPipeline.Settlement;

/// <summary>
/// Settlement's settings: how often the ledger's Stripe balance is checked against Stripe's, and how long
/// a make-good proposal waits for its second approver.
/// </summary>
public sealed record SettlementOptions
{
    /// <summary>
    /// Settlement's share of the Stripe account's requests (<see cref="Stripe.StripeBudget"/>): it
    /// only reads the balance, once per check, with a restricted key that can do nothing else.
    /// </summary>
    public const int StripeRequestsPerSecondDefault = 1;

    public TimeSpan BalanceCheckInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a make-good proposal can be confirmed, from when it was made: as long as Payout's release
    /// approvals count. A proposal older than this is expired and needs proposing again.
    /// </summary>
    public TimeSpan ApprovalLifetime { get; init; } = TimeSpan.FromHours(24);

    public static class Settings
    {
        public const string BalanceCheckIntervalMs = "CONTESTPIPELINE_SETTLEMENT_BALANCE_CHECK_INTERVAL_MS";
        public const string ApprovalLifetimeSeconds = "CONTESTPIPELINE_SETTLEMENT_APPROVAL_LIFETIME_SECONDS";
    }

    public static SettlementOptions Read(IConfiguration? configuration)
    {
        var o = new SettlementOptions();
        return o with
        {
            BalanceCheckInterval = Setting.Milliseconds(configuration,
                Settings.BalanceCheckIntervalMs, o.BalanceCheckInterval,
                TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(1)),
            ApprovalLifetime = Setting.Seconds(configuration, Settings.ApprovalLifetimeSeconds, o.ApprovalLifetime,
                TimeSpan.FromSeconds(1), TimeSpan.FromDays(30)),
        };
    }
}
