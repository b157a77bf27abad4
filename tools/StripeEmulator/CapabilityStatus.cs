namespace ContestPipeline.StripeEmulation;

/// <summary>A connected account's capability, as Stripe reports it (capabilities.transfers).</summary>
public enum CapabilityStatus
{
    Inactive,
    Pending,
    Active,
}
