namespace ContestPipeline.Settlement.Contests;

/// <summary>
/// A contest as Settlement keeps it. OPEN covers the lifecycle's SCHEDULED, LOCKED and LIVE
/// (Settlement has nothing to do until the result is final); then COMPLETE, SETTLED, PAID, or
/// CANCELLED from OPEN.
/// </summary>
public enum SettlementState
{
    Open,
    Complete,
    Settled,
    Paid,
    Cancelled,
}
