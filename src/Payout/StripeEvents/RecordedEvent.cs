using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.StripeEvents;

/// <summary>An event of a run, what was made of it and the message that brought it.</summary>
public sealed record RecordedEvent(StripeEventSeen Seen, string ObjectId, string Outcome, Cause Cause);
