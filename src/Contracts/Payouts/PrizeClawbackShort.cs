namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// A prize taken back (its entry fee lost) did not all come back: the winner's connected account could not cover it,
/// or Stripe refused the reversal. <see cref="OwedMinor"/> is what the winner still owes, the net prize less what came
/// back of its transfer (<see cref="RecoveredMinor"/>, booked before by <see cref="PrizeTransferReversed"/>). Ledger:
/// a receivable from the winner, withheld like the rest of the prize; money that comes back of the transfer later
/// pays it down first.
/// </summary>
public sealed record PrizeClawbackShort(
    string PayoutId,
    string ContestId,
    string PlayerId,
    string TransferId,
    long RecoveredMinor,
    long OwedMinor,
    string Currency,
    string Reason,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "PrizeClawbackShort";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string payoutId) => $"payout:{payoutId}:clawback_short";
}
