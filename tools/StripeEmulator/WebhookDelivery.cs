namespace ContestPipeline.StripeEmulation;

/// <summary>One webhook attempt; <paramref name="Status"/> is 0 when no HTTP answer came back.</summary>
public sealed record WebhookDelivery(string EventId, string EventType, int Attempt, int Status, string? Error);
