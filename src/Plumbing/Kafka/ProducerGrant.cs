namespace ContestPipeline.Plumbing.Kafka;

/// <summary>One row of the table of who may publish which message type on which topic.</summary>
public sealed record ProducerGrant(string Producer, string Topic, string MessageType);
