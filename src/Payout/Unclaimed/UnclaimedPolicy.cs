namespace ContestPipeline.Payout.Unclaimed;

/// <summary>
/// The unclaimed-prize policy: a prize waiting for its winner's account reminds the winner 1, 3, 7 and 30 days after
/// it was won; on day 7 the operators are warned, and on day 30 they are asked for a decision (keep it owed, or
/// release it back to the platform by rejecting it). Reminders missed while Payout was down are not sent late one by
/// one: only the latest due one is.
/// </summary>
public static class UnclaimedPolicy
{
    public static IReadOnlyList<int> ReminderDays { get; } = [1, 3, 7, 30];

    /// <summary>The day the operators are warned (a warning alert).</summary>
    public const int WarnOperatorsDay = 7;

    /// <summary>The day the operators are asked to decide (a critical alert); the last reminder.</summary>
    public const int DecisionDay = 30;

    /// <summary>
    /// The reminder due now for a prize won at <paramref name="wonAt"/> whose last reminder was on day
    /// <paramref name="lastSent"/> (0: none yet); null when none is due.
    /// </summary>
    public static int? Due(DateTimeOffset wonAt, int lastSent, DateTimeOffset now)
    {
        var due = ReminderDays.Where(d => wonAt.AddDays(d) <= now).DefaultIfEmpty(0).Max();
        return due > lastSent ? due : null;
    }
}
