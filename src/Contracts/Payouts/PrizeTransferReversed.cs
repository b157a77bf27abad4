namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// Money came back from a prize transfer (transfer.reversed, or a legacy transfer.failed, or Payout's own clawback:
/// <see cref="Reason"/> then starts with <see cref="ClawbackReasonPrefix"/>): <see cref="AmountMinor"/> this time,
/// <see cref="ReversedTotalMinor"/> so far. Ledger: the prize is payable again (withheld, for a payout withheld).
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
    /// <summary>How the reason of a reversal Payout made itself, taking a prize back, begins.</summary>
    public const string ClawbackReasonPrefix = "clawed back: ";

    public static string MessageIdFor(string payoutId, long reversedTotalMinor) =>
        $"payout:{payoutId}:reversed:{reversedTotalMinor}";
}
