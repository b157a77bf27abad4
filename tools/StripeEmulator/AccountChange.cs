namespace ContestPipeline.StripeEmulation;

/// <summary>
/// A change to a connected account's standing, as test control makes it: each field given replaces the account's,
/// each left null keeps it. <see cref="DisabledReason"/> is one of <see cref="AccountDisabledReasons"/>, or "" to
/// clear it; <see cref="TransfersCapability"/> sets capabilities.transfers; <see cref="CurrentDeadline"/> is in
/// Unix seconds, 0 to clear it.
/// </summary>
public sealed record AccountChange
{
    public IReadOnlyList<string>? CurrentlyDue { get; init; }
    public IReadOnlyList<string>? EventuallyDue { get; init; }
    public IReadOnlyList<string>? PastDue { get; init; }
    public IReadOnlyList<string>? PendingVerification { get; init; }
    public string? DisabledReason { get; init; }
    public long? CurrentDeadline { get; init; }
    public bool? ChargesEnabled { get; init; }
    public bool? PayoutsEnabled { get; init; }
    public bool? DetailsSubmitted { get; init; }
    public CapabilityStatus? TransfersCapability { get; init; }
}
