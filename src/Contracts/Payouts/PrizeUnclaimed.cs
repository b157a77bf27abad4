namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// A prize has waited <see cref="DaysWaiting"/> days for its winner's account (one of the reminder days of the
/// unclaimed-prize policy): the read model reminds the winner where to verify it. No link travels here.
/// </summary>
public sealed record PrizeUnclaimed(
    string PayoutId,
    string PlayerId,
    string ContestId,
    long AmountMinor,
    string Currency,
    int DaysWaiting,
    string OnboardingPath,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "PrizeUnclaimed";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string payoutId, int daysWaiting) => $"payout:{payoutId}:unclaimed:{daysWaiting}";
}
