namespace ContestPipeline.StripeEmulation;

public sealed record RecordedEvent(string Id, string Type, string? Account, string ObjectId, long Created);
