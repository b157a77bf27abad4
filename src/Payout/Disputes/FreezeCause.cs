namespace ContestPipeline.Payout.Disputes;

/// <summary>Why an entry fee is frozen. Stored by <see cref="Freezes.CauseName"/>.</summary>
public enum FreezeCause
{
    /// <summary>The player disputed the charge: a freeze per dispute, by its id.</summary>
    Disputed,
    /// <summary>The charge was refunded outside the pipeline: a freeze per refunded total.</summary>
    Refunded,
}
