namespace ContestPipeline.Ingestion.Players;

/// <summary>
/// The entry fees a round's players have paid for accepted entries, by when each entry was submitted, so a submission
/// is judged against the day and the calendar month (UTC) it was made in; entries the round accepts are added as it
/// goes. Fees in another currency than the contest's do not count against it.
/// </summary>
public sealed class PlayerSpend
{
    private readonly Dictionary<string, List<(DateTimeOffset SubmittedAt, long Minor, string Currency)>> _fees =
        new(StringComparer.Ordinal);

    public void Add(string playerId, DateTimeOffset submittedAt, long minor, string currency)
    {
        if (!_fees.TryGetValue(playerId, out var list)) _fees[playerId] = list = [];
        list.Add((submittedAt, minor, currency));
    }

    /// <summary>
    /// Fees in <paramref name="currency"/> of entries submitted on the UTC day of <paramref name="at"/>.
    /// </summary>
    public long Day(string playerId, DateTimeOffset at, string currency) =>
        Sum(playerId, currency, DayStart(at), DayStart(at).AddDays(1));

    /// <summary>
    /// Fees in <paramref name="currency"/> of entries submitted in the UTC month of <paramref name="at"/>.
    /// </summary>
    public long Month(string playerId, DateTimeOffset at, string currency) =>
        Sum(playerId, currency, MonthStart(at), MonthStart(at).AddMonths(1));

    public static DateTimeOffset DayStart(DateTimeOffset at) =>
        new(at.UtcDateTime.Year, at.UtcDateTime.Month, at.UtcDateTime.Day, 0, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset MonthStart(DateTimeOffset at) =>
        new(at.UtcDateTime.Year, at.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);

    private long Sum(string playerId, string currency, DateTimeOffset from, DateTimeOffset to)
    {
        if (!_fees.TryGetValue(playerId, out var list)) return 0;
        long sum = 0;
        foreach (var (at, minor, c) in list)
            if (at >= from && at < to && string.Equals(c, currency, StringComparison.OrdinalIgnoreCase))
                sum = checked(sum + minor);
        return sum;
    }
}
