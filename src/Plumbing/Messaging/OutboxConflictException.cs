namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// One outbox id given two different messages: a deterministic id must name one fact, so this is a bug in
/// the caller, never a duplicate to skip.
/// </summary>
public sealed class OutboxConflictException(string message) : Exception(message);
