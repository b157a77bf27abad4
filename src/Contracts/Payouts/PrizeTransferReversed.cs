namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// Money came back from a prize transfer (transfer.reversed, or a legacy transfer.failed):
/// <see cref="AmountMinor"/> this time, <see cref="ReversedTotalMinor"/> so far. Ledger: the
/// prize is payable again.
/// </summary>
public sealed record PrizeTransferReversed(
    string PayoutId,
    string ContestId,
    string PlayerId,
    string TransferId,
    long AmountMinor,
    long ReversedTotalMinor,
    string Currency,
    string Reason,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "PrizeTransferReversed";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string payoutId, long reversedTotalMinor) =>
        $"payout:{payoutId}:reversed:{reversedTotalMinor}";
}
