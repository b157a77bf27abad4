namespace ContestPipeline.Payout.Gates;

/// <summary>
/// The recipient's other payouts already sent or being sent: in the rolling 24 hours (count,
/// amount, and when the oldest of them leaves the window), in this calendar month (UTC), and
/// ever (count and amount: their lifetime winnings), and when the last of them went.
/// </summary>
public sealed record RecipientActivity(
    int DayCount,
    long DayAmountMinor,
    DateTimeOffset? DayOldestAt,
    long MonthAmountMinor,
    int LifetimeCount = 0,
    long LifetimeAmountMinor = 0,
    DateTimeOffset? LastAt = null)
{
    public static RecipientActivity None { get; } = new(0, 0, null, 0);
}
