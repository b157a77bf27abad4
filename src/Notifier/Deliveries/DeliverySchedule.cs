namespace ContestPipeline.Notifier.Deliveries;

/// <summary>
/// When a failed delivery is tried again: quickly at first, then further apart, for about three
/// days after the first attempt, as Stripe retries its own webhooks. After the last attempt the
/// delivery is dead-lettered (kept in the log, an alert raised) rather than tried forever.
/// </summary>
public static class DeliverySchedule
{
    /// <summary>
    /// The wait after each failed attempt, by attempt number (1-based); one attempt more than delays.
    /// </summary>
    public static IReadOnlyList<TimeSpan> Delays { get; } =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1),
        TimeSpan.FromHours(2), TimeSpan.FromHours(4), TimeSpan.FromHours(8), TimeSpan.FromHours(12),
        TimeSpan.FromHours(12), TimeSpan.FromHours(12), TimeSpan.FromHours(12), TimeSpan.FromHours(12),
    ];

    /// <summary>Attempts made before a delivery is dead-lettered.</summary>
    public static int AttemptsMax => Delays.Count + 1;

    /// <summary>How long the schedule lasts from the first attempt to the last.</summary>
    public static TimeSpan Span => Delays.Aggregate(TimeSpan.Zero, (sum, d) => sum + d);

    /// <summary>
    /// What follows a failed attempt <paramref name="attempt"/> (1-based): the time of the next
    /// attempt, or null when it was the last.
    /// </summary>
    public static DateTimeOffset? NextAttemptAfterFailure(int attempt, DateTimeOffset failedAt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        return attempt >= AttemptsMax ? null : failedAt + Delays[attempt - 1];
    }
}
