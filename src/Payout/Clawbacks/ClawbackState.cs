namespace ContestPipeline.Payout.Clawbacks;

/// <summary>Where the taking back of a paid prize stands. Stored lower-case (payout.clawbacks.state).</summary>
public enum ClawbackState
{
    /// <summary>Ordered: the reverse-transfers job reverses what is left of the prize's transfer when due.</summary>
    Pending,
    /// <summary>All of the transfer is back on the platform's balance.</summary>
    Recovered,
    /// <summary>
    /// The winner's connected account could not cover all of it: what came back is booked, the rest is owed
    /// (a receivable, alerted) and recovered by an operator.
    /// </summary>
    Short,
}
