namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Kafka did not acknowledge some rows of a relay round: they stay unsent and the relay tries again after a
/// backoff, so a failed delivery is waited out rather than counted as a bug.
/// </summary>
public sealed class OutboxDeliveryException(string message) : Exception(message);
