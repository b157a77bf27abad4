namespace ContestPipeline.Operations.Queries.Revenue;

/// <summary>
/// What the platform earned and spent in one group (a day, a month, a contest) and currency, in minor units, each a
/// positive amount: the rake, platform fees on prizes, the house take of a guaranteed pool, prizes an operator
/// withheld, and the overlay the platform added to guaranteed pools. <see cref="NetMinor"/> is the first four less
/// the overlay.
/// </summary>
public sealed record RevenueLine(string GroupKey, string Currency, long RakeMinor, long PlatformFeesMinor,
    long HouseTakeMinor, long WithheldPrizesMinor, long OverlayMinor)
{
    public long NetMinor =>
        checked(RakeMinor + PlatformFeesMinor + HouseTakeMinor + WithheldPrizesMinor - OverlayMinor);
}
