using System.Security.Cryptography;
using System.Text;

namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// Stripe's processing fees on entry-fee payments, as Payout's own reads of the payments found them (each charge's
/// balance transaction: the fee Stripe kept, so the balance got the amount less it). Payout publishes one message per
/// read round with the fees it found for the first time (a payment whose fee is zero is not listed), keyed
/// <see cref="Key"/>. Ledger: each fee once, by its balance transaction, an expense against the Stripe balance; a
/// refund does not give it back. A fee named that Stripe did not take shows as drift at Settlement's balance check,
/// which reads Stripe itself.
/// </summary>
public sealed record PaymentFeesCharged(IReadOnlyList<PaymentFee> Fees, DateTimeOffset At) : IMessage
{
    public const string MessageType = "PaymentFeesCharged";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;

    /// <summary>The key of every such message: fees of many contests, in the order Payout found them.</summary>
    public const string Key = "stripe:fees";

    /// <summary>The most fees one message lists.</summary>
    public const int FeesMax = 1_000;

    /// <summary>One message per set of balance transactions (the same set found again publishes nothing new).</summary>
    public static string MessageIdFor(IEnumerable<PaymentFee> fees) =>
        "fees:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n',
            fees.Select(f => f.BalanceTransactionId).Order(StringComparer.Ordinal)))), 0, 16);
}

/// <summary>
/// Stripe's fee on one payment: <see cref="FeeMinor"/> in <see cref="Currency"/>, kept by Stripe from the charge whose
/// balance transaction is <see cref="BalanceTransactionId"/>; <see cref="ContestId"/> is the contest the payment was
/// made for, as Payout verified it (null when the payment named none).
/// </summary>
public sealed record PaymentFee(string PaymentIntentId, string BalanceTransactionId, string? ContestId,
    long FeeMinor, string Currency);
