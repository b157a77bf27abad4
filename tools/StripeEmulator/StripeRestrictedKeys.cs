namespace ContestPipeline.StripeEmulation;

/// <summary>
/// The restricted keys a local run gives each service that calls Stripe, so each holds only what it needs (the
/// default of <see cref="StripeEmulatorOptions.RestrictedKeys"/>):
/// <list type="table">
/// <item><term><see cref="Ingestion"/></term><description>reads payment intents and their charges (an entry's
/// payment is verified with Stripe).</description></item>
/// <item><term><see cref="Payout"/></term><description>transfers and their reversals, refunds, connected accounts,
/// account links and login links; reads the balance, disputes, connected accounts' payouts, payment intents and
/// charges.</description></item>
/// <item><term><see cref="Settlement"/></term><description>reads the balance.</description></item>
/// <item><term><see cref="BalanceRead"/></term><description>reads the balance (the operations read model's
/// dashboard).</description></item>
/// </list>
/// The webhook receiver needs none: it only checks signatures with the webhook secret.
/// </summary>
public static class StripeRestrictedKeys
{
    public const string Ingestion = "ingestion";
    public const string Payout = "payout";
    public const string Settlement = "settlement";
    public const string BalanceRead = "balance_read";

    public const string IngestionKey = "rk_test_emulator_ingestion";
    public const string PayoutKey = "rk_test_emulator_payout";
    public const string SettlementKey = "rk_test_emulator_settlement";
    public const string BalanceReadKey = "rk_test_emulator_balance";

    public static IReadOnlyList<RestrictedKey> Defaults { get; } =
    [
        new(Ingestion, IngestionKey, StripePermissions.PaymentIntentRead, StripePermissions.ChargeRead),
        new(Payout, PayoutKey,
            StripePermissions.TransferWrite, StripePermissions.RefundWrite, StripePermissions.ConnectedAccountWrite,
            StripePermissions.AccountLinkWrite, StripePermissions.LoginLinkWrite, StripePermissions.BalanceRead,
            StripePermissions.DisputeRead, StripePermissions.PayoutRead, StripePermissions.PaymentIntentRead,
            StripePermissions.ChargeRead),
        new(Settlement, SettlementKey, StripePermissions.BalanceRead),
        new(BalanceRead, BalanceReadKey, StripePermissions.BalanceRead),
    ];
}
