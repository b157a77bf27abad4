namespace ContestPipeline.Operations.Queries.Balance;

/// <summary>
/// The balance against obligations, and where that stands: seed 003's levels exactly, in the
/// order they are checked. Depleted: at or below zero. Critical: below the critical amount
/// (1,000.00) or below 50 % of the reserve. Warning: below the warning amount (5,000.00) or below
/// 80 % of the reserve. Healthy: at or above the healthy amount (10,000.00) and at or above 100 %
/// of the reserve. The seed names no level for what lies between warning and healthy (5,000.00 to
/// 10,000.00, or 80 % to 100 % of the reserve): here it is <see cref="Low"/>, shown and not alerted.
/// The reserve is 1.2 × obligations (prizes and refunds ordered and not yet paid).
/// </summary>
public static class BalanceStatus
{
    public const string Healthy = "healthy";
    public const string Low = "low";
    public const string Warning = "warning";
    public const string Critical = "critical";
    public const string Depleted = "depleted";

    /// <summary>The reserve to keep: 1.2 × obligations, rounded up to the minor unit.</summary>
    public static long Reserve(long obligationsMinor) => checked((obligationsMinor * 6 + 4) / 5);

    public static string Of(long availableMinor, long obligationsMinor, BalanceMonitorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var reserve = (Int128)Reserve(obligationsMinor);
        Int128 available = availableMinor;
        if (availableMinor <= 0) return Depleted;
        if (availableMinor < options.CriticalBelowMinor || available * 2 < reserve) return Critical;
        if (availableMinor < options.WarningBelowMinor || available * 5 < reserve * 4) return Warning;
        if (availableMinor >= options.HealthyFromMinor && available >= reserve) return Healthy;
        return Low;
    }

    /// <summary>How serious a level is: alerts are raised on a change into warning (1) or worse.</summary>
    public static int Rank(string status) => status switch { Warning => 1, Critical => 2, Depleted => 3, _ => 0 };
}
