namespace ContestPipeline.StripeEmulation;

/// <summary>An event as stored and delivered: the payload is fixed when the event is made.</summary>
internal sealed record EventRecord(string Id, string Type, string? Account, string ObjectId, long Created,
    byte[] Payload);
