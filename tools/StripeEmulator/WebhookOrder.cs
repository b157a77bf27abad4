namespace ContestPipeline.StripeEmulation;

/// <summary>The order in which held webhooks are released.</summary>
public enum WebhookOrder
{
    AsCreated,
    Reversed,
    /// <summary>A seeded shuffle: the same seed gives the same order.</summary>
    Shuffled,
}
