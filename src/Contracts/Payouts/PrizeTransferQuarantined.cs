namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// A transfer that names a payout but is not the one ordered (another amount, currency or
/// destination) came back from Stripe for it: the payout is quarantined (final, never sent
/// again, never released) and money may have left. Ledger: what the transfer moved leaves the
/// platform's Stripe balance into transfers in question, until an operator reconciles it; the
/// prize stays payable. <see cref="Destination"/> is null when the transfer names none.
/// </summary>
public sealed record PrizeTransferQuarantined(
    string PayoutId,
    string ContestId,
    string PlayerId,
    string TransferId,
    string? Destination,
    long AmountMinor,
    string Currency,
    string Reason,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "PrizeTransferQuarantined";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string payoutId) => $"payout:{payoutId}:quarantined";
}
