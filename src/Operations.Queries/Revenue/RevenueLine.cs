namespace ContestPipeline.Operations.Queries.Revenue;

/// <summary>
/// What the platform earned and spent in one group (a day, a month, a contest) and currency, in minor units, each a
/// positive amount: the rake, platform fees on prizes, the house take of a guaranteed pool, prizes an operator
/// withheld, the overlay the platform added to guaranteed pools, what disputes cost (Stripe's dispute fees and the
/// payments lost to disputes), and Stripe's processing fees on payments (<see cref="ProcessingFeesMinor"/>). <see
/// cref="NetMinor"/> is the first four less the three costs. <see cref="SponsorSpendMinor"/> is the overlay sponsors
/// funded (invoiced to them): shown, not the platform's cost.
/// </summary>
public sealed record RevenueLine(string GroupKey, string Currency, long RakeMinor, long PlatformFeesMinor,
    long HouseTakeMinor, long WithheldPrizesMinor, long OverlayMinor, long DisputeCostsMinor = 0,
    long SponsorSpendMinor = 0, long ProcessingFeesMinor = 0)
{
    public long NetMinor =>
        checked(RakeMinor + PlatformFeesMinor + HouseTakeMinor + WithheldPrizesMinor - OverlayMinor
            - DisputeCostsMinor - ProcessingFeesMinor);
}
