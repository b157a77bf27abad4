namespace ContestPipeline.Notifier.Deliveries;

/// <summary>What came of one attempt: delivered, or why not.</summary>
public sealed record AttemptOutcome(bool Delivered, string Detail);
