namespace ContestPipeline.Plumbing.Messaging;

/// <summary>Another transaction changed the row first (its version or state is not the one read): retried.</summary>
public sealed class ConcurrencyConflictException(string message) : Exception(message);
