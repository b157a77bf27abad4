namespace ContestPipeline.Operations.Queries.Revenue;

/// <summary>What one line of a revenue report covers: a UTC day, a UTC month, or a contest.</summary>
public enum RevenueGrouping
{
    Day,
    Month,
    Contest,
}
