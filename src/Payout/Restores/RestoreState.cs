namespace ContestPipeline.Payout.Restores;

/// <summary>
/// Where sending stands after restores: <see cref="Unreconciled"/> stops every transfer and refund; a payout or
/// refund ordered before <see cref="LatestCopyTakenAt"/> is looked up on Stripe before it is sent.
/// </summary>
public sealed record RestoreState
{
    public bool Unreconciled { get; init; }
    public DateTimeOffset? LatestCopyTakenAt { get; init; }

    /// <summary>Never restored: nothing stops, nothing to look up.</summary>
    public static RestoreState None { get; } = new();
}
