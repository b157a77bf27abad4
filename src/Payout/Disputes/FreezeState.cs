namespace ContestPipeline.Payout.Disputes;

/// <summary>Where a freeze on an entry fee stands. Stored lower-case (payout.freezes.status).</summary>
public enum FreezeState
{
    /// <summary>In force: the prizes won with the entry fee are held.</summary>
    Open,
    /// <summary>A dispute won: the freeze is lifted.</summary>
    Won,
    /// <summary>A dispute lost (or an inquiry closed): still in force, for an operator to release or reject.</summary>
    Lost,
}
