namespace ContestPipeline.StripeEmulation;

/// <summary>
/// Stripe's restricted-key permissions for the endpoints the emulator answers, as Stripe names them in its 403
/// ("Having the 'rak_transfer_write' permission would allow this request to continue"). A resource's write
/// permission also reads it, as the Dashboard's Write does.
/// </summary>
public static class StripePermissions
{
    public const string BalanceRead = "rak_balance_read";
    public const string ChargeRead = "rak_charge_read";
    public const string ConnectedAccountRead = "rak_connected_account_read";
    public const string ConnectedAccountWrite = "rak_connected_account_write";
    public const string AccountLinkWrite = "rak_account_link_write";
    public const string LoginLinkWrite = "rak_login_link_write";
    public const string DisputeRead = "rak_dispute_read";
    public const string EventRead = "rak_event_read";
    public const string PaymentIntentRead = "rak_payment_intent_read";
    public const string PayoutRead = "rak_payout_read";
    public const string RefundRead = "rak_refund_read";
    public const string RefundWrite = "rak_refund_write";
    public const string TransferRead = "rak_transfer_read";
    public const string TransferWrite = "rak_transfer_write";

    private const string ReadSuffix = "_read";
    private const string WriteSuffix = "_write";

    /// <summary>Every permission the emulator knows; a restricted key is made of these.</summary>
    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        BalanceRead, ChargeRead, ConnectedAccountRead, ConnectedAccountWrite, AccountLinkWrite, LoginLinkWrite,
        DisputeRead, EventRead, PaymentIntentRead, PayoutRead, RefundRead, RefundWrite, TransferRead, TransferWrite,
    };

    /// <summary>
    /// Whether <paramref name="held"/> allows <paramref name="required"/>: by holding it, or by holding its write.
    /// </summary>
    public static bool Covers(IReadOnlySet<string> held, string required) =>
        held.Contains(required)
        || required.EndsWith(ReadSuffix, StringComparison.Ordinal)
            && held.Contains(required[..^ReadSuffix.Length] + WriteSuffix);
}
