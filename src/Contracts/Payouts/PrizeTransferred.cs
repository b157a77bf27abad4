namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// A prize is paid: its transfer of <see cref="AmountMinor"/> (the net prize) exists on
/// Stripe. Ledger: the winner's prize payable is settled from the platform's Stripe balance.
/// </summary>
public sealed record PrizeTransferred(
    string PayoutId,
    string ContestId,
    string EntryId,
    string PlayerId,
    string AccountId,
    string TransferId,
    long AmountMinor,
    string Currency,
    DateTimeOffset TransferredAt) : IMessage
{
    public const string MessageType = "PrizeTransferred";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string payoutId) => $"payout:{payoutId}:transferred";
}
